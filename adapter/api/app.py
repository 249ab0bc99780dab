"""The FastAPI application: ``create_app(settings)``; nothing is read at import time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse

from adapter.api.background import BackgroundRuns
from adapter.api.console import install_console
from adapter.api.deps import require_token
from adapter.api.errors import install_error_handlers
from adapter.api.routes import (
    cases,
    changes,
    conflicts,
    docs,
    documents,
    fhir_notify,
    health,
    letters,
    metrics,
    reports,
    sync,
    verify,
)
from adapter.api.schemas import errors, openapi_schema
from adapter.api.security import Guard, check_auth
from adapter.api.state import AppState
from adapter.api.telemetry import Metrics, ObserveRequests
from adapter.api.webhook_loop import webhook_deliveries
from adapter.fhir import open_client
from adapter.settings import Settings
from adapter.sync.ledger import Ledger
from adapter.sync.namespace import resolve_namespace
from adapter.sync.server_profile import settings_with_profile

__all__ = ["MAX_BODY_BYTES", "create_app"]

MAX_BODY_BYTES = 5 * 1024 * 1024  # a large case is ~100 kB; anything near this is a mistake


def create_app(settings: Settings) -> FastAPI:
    """Build the service for ``settings``; raise ConfigError if it would run unprotected."""
    check_auth(settings)
    telemetry = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            ledger = await asyncio.to_thread(Ledger.open, settings.ledger_url)
            stack.callback(ledger.close)
            # The namespace the CLI writes under too: ADAPTER_NAMESPACE, else the ledger's.
            namespace = await asyncio.to_thread(resolve_namespace, settings, ledger)
            resolved = await settings_with_profile(
                settings.model_copy(update={"namespace": namespace}), ledger, namespace
            )
            fhir = await stack.enter_async_context(open_client(resolved))
            runs = BackgroundRuns(max_seconds=settings.run_max_seconds)
            stack.push_async_callback(runs.close)
            await stack.enter_async_context(webhook_deliveries(settings, ledger))
            app.state.adapter = AppState(
                settings=resolved,
                ledger=ledger,
                fhir=fhir,
                metrics=telemetry,
                runs=runs,
                api_guard=Guard([settings.api_token], allow_no_auth=settings.api_allow_no_auth),
                notify_guard=Guard(
                    [settings.api_token, settings.notify_token],
                    allow_no_auth=settings.api_allow_no_auth,
                ),
            )
            yield

    app = FastAPI(
        title="cm-fhir-adapter",
        summary="Case-management cases in, FHIR R4 out (and back).",
        lifespan=lifespan,
        max_body_size=MAX_BODY_BYTES,
        # The schema is served below, behind the token; /docs is a shell that fetches it with
        # the token (adapter.api.routes.docs).
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    install_error_handlers(app)
    app.add_middleware(ObserveRequests, metrics=telemetry)
    authed: dict[str, Any] = {
        "dependencies": [Depends(require_token)],
        "responses": errors(401, 503),
    }
    app.include_router(health.router)
    app.include_router(docs.router)
    app.include_router(metrics.router, **authed)
    app.include_router(cases.router, **authed)
    app.include_router(documents.router, **authed)
    app.include_router(sync.router, **authed)
    app.include_router(verify.router, **authed)
    app.include_router(letters.router, **authed)
    app.include_router(changes.router, **authed)
    app.include_router(conflicts.router, **authed)
    app.include_router(reports.router, **authed)
    app.include_router(fhir_notify.router)
    install_console(app, settings)  # /console/: its own sign-in, behind the same token

    @app.get("/openapi.json", include_in_schema=False, dependencies=authed["dependencies"])
    async def openapi() -> JSONResponse:
        return JSONResponse(openapi_schema(app))

    return app

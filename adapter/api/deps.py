"""Dependencies of the routes, as ``Annotated`` aliases: ``def route(ledger: LedgerDep)``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from adapter.api.background import BackgroundRuns
from adapter.api.security import Guard
from adapter.api.state import AppState
from adapter.api.telemetry import Metrics
from adapter.fhir import FHIRClient
from adapter.settings import Settings
from adapter.sync.ledger import Ledger

__all__ = [
    "FHIRDep",
    "LedgerDep",
    "MetricsDep",
    "RunsDep",
    "SettingsDep",
    "StateDep",
    "get_settings",
    "get_state",
    "read_or_404",
    "require_notify_token",
    "require_token",
]


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.adapter
    return state


StateDep = Annotated[AppState, Depends(get_state)]


def get_settings(state: StateDep) -> Settings:
    return state.settings


def get_ledger(state: StateDep) -> Ledger:
    return state.ledger


def get_fhir(state: StateDep) -> FHIRClient:
    return state.fhir


def get_metrics(state: StateDep) -> Metrics:
    return state.metrics


def get_runs(state: StateDep) -> BackgroundRuns:
    return state.runs


SettingsDep = Annotated[Settings, Depends(get_settings)]
LedgerDep = Annotated[Ledger, Depends(get_ledger)]
FHIRDep = Annotated[FHIRClient, Depends(get_fhir)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
RunsDep = Annotated[BackgroundRuns, Depends(get_runs)]


def _check(guard: Guard, request: Request) -> None:
    client = request.client.host if request.client else None
    if not guard.admits(request.headers.get("authorization"), client_host=client):
        raise HTTPException(
            status_code=401,
            detail="missing or wrong bearer token",
            headers={"WWW-Authenticate": 'Bearer realm="adapter"'},
        )


# FastAPI's HTTPBearer declares the scheme in the OpenAPI schema (and /docs offers it); the
# Guard decides, in constant time. auto_error=False: a missing token is the Guard's 401 (an
# OperationOutcome with WWW-Authenticate), not HTTPBearer's 403.
api_bearer = HTTPBearer(auto_error=False, scheme_name="apiToken", description="ADAPTER_API_TOKEN")
notify_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="notifyToken",
    description="ADAPTER_NOTIFY_TOKEN (or the API token): only POST /fhir/notify",
)
_Presented = HTTPAuthorizationCredentials | None


def require_token(
    request: Request, state: StateDep, _: Annotated[_Presented, Security(api_bearer)]
) -> None:
    """Every route but /health: ``Authorization: Bearer <ADAPTER_API_TOKEN>``."""
    _check(state.api_guard, request)


def require_notify_token(
    request: Request, state: StateDep, _: Annotated[_Presented, Security(notify_bearer)]
) -> None:
    """/fhir/notify: the API token, or ``ADAPTER_NOTIFY_TOKEN``."""
    _check(state.notify_guard, request)


_Found = TypeVar("_Found")


async def read_or_404(read: Callable[[int], _Found | None], ident: int, what: str) -> _Found:
    """``read(ident)`` from the ledger (in a thread); 404 naming ``what`` when it is not there."""
    found = await asyncio.to_thread(read, ident)
    if found is None:
        raise HTTPException(status_code=404, detail=f"no {what} {ident} in the ledger")
    return found

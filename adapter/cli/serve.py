"""``adapter serve``: run the HTTP service (FastAPI under uvicorn)."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from adapter.api import create_app
from adapter.api.security import check_bind
from adapter.cli.app import app
from adapter.cli.failures import EXIT_CONFIG
from adapter.errors import ConfigError
from adapter.settings import is_loopback, load_settings


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
) -> None:
    """Serve the HTTP API (POST /cases, POST /sync, POST /fhir/notify, /health, /metrics) and
    the operations console at /console/ (docs/console.md).

    Every API route but /health needs the header "Authorization: Bearer $ADAPTER_API_TOKEN"
    (see docs/service.md); the console signs in with the same token.
    """
    try:
        settings = load_settings()
        check_bind(settings, host)
        service = create_app(settings)
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_CONFIG) from None
    if not is_loopback(host):
        typer.echo(
            f"warning: listening on {host} over plain HTTP; the bearer token and patient data "
            "cross the network in clear unless a TLS-terminating proxy sits in front",
            err=True,
        )
    # Uvicorn's own access log prints full paths with query strings: off. The service logs one
    # line per request itself, by route template (adapter.api, INFO; see ADAPTER_LOG_LEVEL).
    uvicorn.run(
        service, host=host, port=port, server_header=False, access_log=False, log_config=None
    )

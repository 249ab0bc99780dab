"""``adapter ping``: is there a FHIR server, and what does it let us do with case resources?"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from adapter.cli.app import app
from adapter.errors import AdapterError, ConfigError, FHIRTransportError, ResponseError
from adapter.fhir import RetryPolicy, open_client
from adapter.fhir.capabilities import INTERACTIONS, CapabilitySummary, summarise
from adapter.settings import Settings, load_settings

EXIT_CONFIG = 2
EXIT_UNREACHABLE = 3


@app.command()
def ping(
    server: Annotated[
        str | None,
        typer.Option(help="FHIR base URL (default: ADAPTER_FHIR_BASE_URL)", show_default=False),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Read the server's CapabilityStatement and show what it supports for case resources."""
    try:
        settings = load_settings(fhir_base_url=server) if server else load_settings()
        summary = asyncio.run(_summary(settings))
    except ConfigError as exc:
        _fail(str(exc), EXIT_CONFIG)
    except AdapterError as exc:
        _fail(_explain(exc, settings.fhir_base_url), EXIT_UNREACHABLE)
    if as_json:
        typer.echo(json.dumps({"server": settings.fhir_base_url, **summary.to_dict()}, indent=2))
    else:
        Console().print(_table(settings.fhir_base_url, summary))


async def _summary(settings: Settings) -> CapabilitySummary:
    # A ping reports what the server does now: one attempt, no backoff.
    policy = dataclasses.replace(RetryPolicy.from_settings(settings.fhir_retry), max_attempts=1)
    async with open_client(settings, policy=policy) as client:
        return summarise(await client.capabilities())


def _fail(message: str, code: int) -> NoReturn:
    Console(stderr=True, soft_wrap=True).print(
        f"[red]error:[/red] {escape(message)}", highlight=False
    )
    raise typer.Exit(code)


def _explain(exc: AdapterError, url: str) -> str:
    if isinstance(exc, FHIRTransportError):
        return f"cannot reach a FHIR server at {url} ({exc})"
    if isinstance(exc, ResponseError):
        return f"{url} did not answer like a FHIR server: {exc}"
    return f"{url}: {exc}"


def _table(url: str, summary: CapabilitySummary) -> Table:
    software = " ".join(p for p in (summary.software_name, summary.software_version) if p)
    table = Table(
        title=f"{url}\nFHIR {summary.fhir_version or '?'} · {software or 'unknown software'}",
        title_justify="left",
    )
    table.add_column("resource")
    for interaction in INTERACTIONS:
        table.add_column(interaction, justify="center")
    for support in summary.resources:
        marks: list[Any] = [
            "yes" if support.interactions[i] else "[red]no[/red]" for i in INTERACTIONS
        ]
        table.add_row(support.resource_type, *marks)
    return table

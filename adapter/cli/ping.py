"""``adapter ping``: is there a FHIR server, and what does it let us do with case resources?"""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from adapter.cli.app import app
from adapter.cli.failures import EXIT_CONFIG, EXIT_UNREACHABLE, describe, fail
from adapter.errors import AdapterError, ConfigError
from adapter.fhir import probe_capabilities
from adapter.fhir.capabilities import INTERACTIONS, CapabilitySummary, summarise
from adapter.fhir.factory import probe_server
from adapter.fhir.write_probe import WriteProbe
from adapter.settings import load_settings


@app.command()
def ping(
    server: Annotated[
        str | None,
        typer.Option(help="FHIR base URL (default: ADAPTER_FHIR_BASE_URL)", show_default=False),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
    write_check: Annotated[
        bool,
        typer.Option(
            "--write-check/--no-write-check",
            help="Also ask whether writes are accepted (a probe transaction the server must "
            "reject; nothing is stored).",
        ),
    ] = True,
) -> None:
    """Read the server's CapabilityStatement and show what it supports for case resources,
    and whether it accepts our writes."""
    try:
        settings = load_settings(fhir_base_url=server) if server else load_settings()
        # A ping reports what the server does now: one attempt, no backoff.
        probe: WriteProbe | None = None
        if write_check:
            statement, probe = asyncio.run(probe_server(settings))
        else:
            statement = asyncio.run(probe_capabilities(settings))
        summary = summarise(statement)
    except ConfigError as exc:
        fail(str(exc), EXIT_CONFIG)
    except AdapterError as exc:
        fail(describe(exc, settings.fhir_base_url), EXIT_UNREACHABLE)
    credentials = settings.fhir_auth.describe()
    if as_json:
        found = {"server": settings.fhir_base_url, "credentials": credentials, **summary.to_dict()}
        found["write"] = probe.to_dict() if probe is not None else None
        typer.echo(json.dumps(found, indent=2))
        return
    console = Console(soft_wrap=True)
    console.print(_table(settings.fhir_base_url, summary))
    if probe is not None:
        colour = {"allowed": "green", "refused": "red"}.get(probe.verdict, "yellow")
        console.print(
            f"write with {escape(credentials)}: [{colour}]{probe.verdict}[/{colour}] "
            f"({escape(probe.detail)})",
            highlight=False,
        )


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

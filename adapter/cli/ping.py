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
from adapter.cli.ping_table import profile_table
from adapter.cli.sync_session import LedgerOption, ledger_for
from adapter.errors import AdapterError, ConfigError
from adapter.fhir import probe_capabilities
from adapter.fhir.capabilities import INTERACTIONS, CapabilitySummary, summarise
from adapter.fhir.factory import probe_server
from adapter.fhir.server_profile import ServerProfile
from adapter.fhir.write_probe import WriteProbe
from adapter.settings import Settings, load_settings
from adapter.sync.namespace import resolve_namespace
from adapter.sync.server_profile import learn_and_store
from adapter.sync.type_selection import learned_refusals, left_out_reasons, parse_types


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
            help="Also ask whether writes are accepted and learn the server profile (harmless "
            "probes, deleted again; --no-write-check: only read the CapabilityStatement).",
        ),
    ] = True,
    ledger: LedgerOption = None,
) -> None:
    """Read the server's CapabilityStatement and show what it supports for case resources;
    then, as a preflight, probe what it really does (transactions, their size and atomicity,
    history, conditional writes, client ids, $validate), keep that profile in the ledger and
    show the choices push and pull will make from it."""
    try:
        overrides = {"fhir_base_url": server} if server else {}
        settings = load_settings(**overrides, **({"ledger_url": ledger} if ledger else {}))
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
    profile, left_out = _learn(settings, statement, probe) if probe is not None else (None, {})
    credentials = settings.fhir_auth.describe()
    if as_json:
        found = {"server": settings.fhir_base_url, "credentials": credentials, **summary.to_dict()}
        found["write"] = probe.to_dict() if probe is not None else None
        found["profile"] = profile.to_dict() if profile is not None else None
        if profile is not None:
            found["profile"]["choices"]["left_out"] = left_out
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
    if profile is not None:
        console.print(profile_table(profile))
        for choice in [*profile.choices(), *_left_out_lines(left_out)]:
            console.print(f"  {escape(choice)}", highlight=False)


def _learn(
    settings: Settings, statement: dict[str, Any], probe: WriteProbe
) -> tuple[ServerProfile, dict[str, str]]:
    """Probe the server and keep its profile in the ledger (a warning names what is left); the
    profile, and the types a push leaves out here with the reason for each."""
    with ledger_for(settings) as store:
        try:
            namespace = resolve_namespace(settings, store)
            profile, left = asyncio.run(
                learn_and_store(settings, store, statement, namespace, write=probe)
            )
        except AdapterError as exc:
            fail(describe(exc, settings.fhir_base_url), EXIT_UNREACHABLE)
        refused = learned_refusals(store, settings.fhir_base_url)
    for leftover in left:
        typer.echo(f"warning: probe resource not deleted: {leftover}", err=True)
    try:  # given explicitly, ADAPTER_RESOURCE_TYPES wins over the profile
        named = parse_types(settings.resource_types)
    except ConfigError as exc:
        fail(str(exc), EXIT_CONFIG)
    return profile, left_out_reasons(named, profile.writable_types, refused)


def _left_out_lines(left_out: dict[str, str]) -> list[str]:
    """``push: leaves out Observation, Provenance (not updatable here)``, one line per reason."""
    by_reason: dict[str, list[str]] = {}
    for kind, reason in left_out.items():
        by_reason.setdefault(reason, []).append(kind)
    return [f"push: leaves out {', '.join(kinds)} ({why})" for why, kinds in by_reason.items()]


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

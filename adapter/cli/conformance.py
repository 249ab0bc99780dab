"""``adapter conformance``: does what a push writes pass the profiles it claims, on a server
that holds the guides? Pass/fail per implementation guide and profile; exit 1 on any error."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from adapter.cli.app import app
from adapter.cli.demo import example_cases
from adapter.cli.failures import EXIT_CONFIG, EXIT_FAILED, EXIT_UNREACHABLE, describe, fail
from adapter.cli.sync_session import settings_for
from adapter.errors import AdapterError
from adapter.fhir.factory import open_client
from adapter.model.case import Case
from adapter.model.validation import parse_case
from adapter.realm import REALMS, Realm
from adapter.settings import Settings
from adapter.sync.conformance import ConformanceReport, check_conformance
from adapter.sync.push.inputs import iter_inputs

_SHOWN_ERRORS = 20


@app.command()
def conformance(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Case files or directories of them (default: the example cases)."),
    ] = None,
    realm: Annotated[
        str | None,
        typer.Option(help=f"Edition to map: {' or '.join(REALMS)} (default: ADAPTER_REALM)."),
    ] = None,
    server: Annotated[
        str | None,
        typer.Option(help="FHIR base URL (default: ADAPTER_FHIR_BASE_URL)", show_default=False),
    ] = None,
    against: Annotated[
        list[str] | None,
        typer.Option(
            help="Also validate every resource of this profile's type against it (a profile "
            "the output does not claim yet, e.g. a Gravity SDOHCC one; repeatable).",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Map the cases as a push would (nothing is written), $validate every resource on the
    server against each profile it claims (the server must hold the guides: a HAPI started
    with HAPI_IG_PACKAGES) and print pass/fail per guide and profile. Exit 1 on any error."""
    settings = settings_for(server)
    edition = _realm(realm, settings)
    cases = _cases(paths or [example_cases()])
    try:
        report = asyncio.run(_check(settings, cases, edition, against or []))
    except AdapterError as exc:
        fail(describe(exc, settings.fhir_base_url), EXIT_UNREACHABLE)
    if as_json:
        typer.echo(json.dumps({"server": settings.fhir_base_url, **report.to_dict()}, indent=2))
    else:
        _print(report, settings.fhir_base_url)
    raise typer.Exit(0 if report.ok else EXIT_FAILED)


def _realm(option: str | None, settings: Settings) -> Realm:
    if option is None:
        return settings.realm
    if option not in REALMS:
        fail(f"--realm: one of {', '.join(REALMS)}, not {option!r}", EXIT_CONFIG)
    return "us" if option == "us" else "base"


def _cases(paths: list[Path]) -> list[Case]:
    cases: list[Case] = []
    for path in paths:
        for item in iter_inputs(path):
            if item.problem is not None:
                fail(f"case {item.case_id}: {item.problem}", EXIT_CONFIG)
            try:
                cases.append(parse_case(item.document))
            except AdapterError as exc:
                fail(f"case {item.case_id}: {exc}", EXIT_CONFIG)
    if not cases:
        fail("no cases to check", EXIT_CONFIG)
    return cases


async def _check(
    settings: Settings, cases: list[Case], realm: Realm, against: list[str]
) -> ConformanceReport:
    async with open_client(settings) as client:
        return await check_conformance(client, cases, realm=realm, against=against)


def _print(report: ConformanceReport, server: str) -> None:
    out = Console(soft_wrap=True, highlight=False)
    table = Table(title=f"conformance of the {report.realm} edition on {server}")
    for column in ("guide", "profile", "pass", "fail", "warnings", "result"):
        table.add_column(column)
    for tally in report.ordered():
        verdict = "[green]pass[/green]" if tally.failed == 0 else "[red]FAIL[/red]"
        name = (tally.profile or "(base resource)").rsplit("/", 1)[-1]
        name += "" if tally.claimed else " (not claimed)"
        table.add_row(
            tally.guide,
            escape(name),
            str(tally.passed),
            str(tally.failed),
            str(tally.warnings),
            verdict,
        )
    out.print(table)
    errors = [line for t in report.ordered() for line in t.errors]
    for line in errors[:_SHOWN_ERRORS]:
        out.print(f"  {escape(line)}")
    if len(errors) > _SHOWN_ERRORS:
        out.print(f"  ... and {len(errors) - _SHOWN_ERRORS} more (--json lists them all)")
    out.print(
        f"{report.cases} cases, {report.resources} resources, "
        f"{sum(t.passed + t.failed for t in report.tallies.values())} validations: "
        f"{report.errors} errors"
    )

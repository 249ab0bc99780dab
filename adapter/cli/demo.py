"""``adapter demo``: push the bundled example cases to a FHIR server and show what landed."""

from __future__ import annotations

import asyncio
import subprocess
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

import adapter
from adapter.cli.app import app
from adapter.cli.push import print_report
from adapter.cli.push_preview import show_dry_run
from adapter.cli.sync_session import (
    EXIT_CONFIG,
    EXIT_FAILED,
    EXIT_UNREACHABLE,
    ConcurrencyOption,
    LedgerOption,
    ServerOption,
    fail,
    ledger_for,
    push_with_progress,
    settings_for,
)
from adapter.fhir import open_client
from adapter.mappings.bundle import case_to_resources
from adapter.model.validation import parse_case
from adapter.settings import Settings
from adapter.sync.namespace import resolve_namespace
from adapter.sync.push.inputs import iter_inputs, read_inputs
from adapter.sync.push.outcomes import PushReport
from adapter.sync.push.run import CaseInput
from adapter.sync.readback import count_on_server

_NO_SERVER = (
    "no FHIR server given and no local one to start: run `docker compose up` (docker-compose.yml) "
    "or `scripts/hapi.sh start` in a checkout, then `adapter demo --server URL`"
)


@app.command()
def demo(
    server: ServerOption = None,
    ledger: LedgerOption = None,
    concurrency: ConcurrencyOption = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Only plan the push of the example cases (no server needed, nothing written).",
        ),
    ] = False,
) -> None:
    """Push the example cases and print what the server now holds, per resource type.

    Without --server, starts the local HAPI (scripts/hapi.sh in a checkout) and waits for it.
    The example cases ship inside the package: this works from an installed wheel too (given
    --server, or with --dry-run).
    """
    cases_dir = example_cases()
    if not cases_dir.is_dir():
        fail(f"the example cases are missing from the installation ({cases_dir})", EXIT_CONFIG)
    if dry_run:
        typer.echo(f"example cases: {cases_dir}", err=True)
        show_dry_run(settings_for(server, ledger), iter_inputs(cases_dir), as_json=False)
    settings = settings_for(server or _start_local_server(), ledger)
    inputs = read_inputs(cases_dir)
    console = Console(stderr=True)
    with ledger_for(settings) as store:
        report = asyncio.run(
            push_with_progress(settings, store, inputs, concurrency=concurrency, console=console)
        )
        print_report(report, settings.fhir_base_url)
        namespace = resolve_namespace(settings, store)
    asyncio.run(_show_landed(settings, namespace, inputs, report))
    raise typer.Exit(0 if report.all_ok else EXIT_FAILED)


def example_cases() -> Path:
    """The example cases, package data of ``adapter`` (``examples/cases`` in a checkout is a
    link to them)."""
    return Path(str(resources.files("adapter") / "examples" / "cases"))


def _find(relative: str) -> Path | None:
    """A path of the checkout: next to the installed package (editable install), or the CWD."""
    for root in (Path(adapter.__file__).resolve().parents[1], Path.cwd()):
        if (root / relative).exists():
            return root / relative
    return None


def _start_local_server() -> str:
    script = _find("scripts/hapi.sh")
    if script is None:
        fail(_NO_SERVER, EXIT_UNREACHABLE)
    for command in ("start", "wait"):
        # The script says what it does on stderr/stdout; the first start builds and takes minutes.
        done = subprocess.run(  # noqa: S603  (our own script, found in the checkout)
            [str(script), command], check=False, stdout=subprocess.DEVNULL
        )
        if done.returncode != 0:
            fail(f"scripts/hapi.sh {command} failed (see `scripts/hapi.sh logs`)", EXIT_UNREACHABLE)
    url = subprocess.run(  # noqa: S603  (our own script, found in the checkout)
        [str(script), "url"], check=True, capture_output=True, text=True
    )
    return url.stdout.strip()


async def _show_landed(
    settings: Settings, namespace: str | None, inputs: list[CaseInput], report: PushReport
) -> None:
    landed = {case.case_id for case in report.cases if case.ok}
    resources = [
        resource
        for item in inputs
        if item.case_id in landed
        for resource in case_to_resources(parse_case(item.document), namespace=namespace)
    ]
    async with open_client(settings) as client:
        counts = await count_on_server(client, resources)
    expected: dict[str, int] = {}
    for resource in {(r["resourceType"], r["id"]): r for r in resources}:
        expected[resource[0]] = expected.get(resource[0], 0) + 1
    table = Table(title="on the server now (read back by identifier)", title_justify="left")
    for name in ("resource type", "expected", "found"):
        table.add_column(name, justify="right" if name != "resource type" else "left")
    for kind in sorted(expected):
        table.add_row(kind, str(expected[kind]), str(counts.get(kind, 0)))
    out = Console(soft_wrap=True, highlight=False)
    out.print(table)
    base = settings.fhir_base_url.rstrip("/")
    for kind in ("EpisodeOfCare", "CarePlan", "Task"):
        first = next((r for r in resources if r["resourceType"] == kind), None)
        if first is not None:
            out.print(f"open: {escape(base)}/{kind}/{first['id']}")

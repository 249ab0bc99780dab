"""``adapter import``: cases from a FHIR server into internal case JSON files."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from adapter.cli.app import app
from adapter.cli.failures import describe
from adapter.cli.json_out import JsonOption, emit
from adapter.cli.sync_session import (
    EXIT_CONFIG,
    EXIT_FAILED,
    EXIT_UNREACHABLE,
    ServerOption,
    fail,
    ledger_for,
    settings_for,
)
from adapter.errors import AdapterError, FHIRError
from adapter.fhir import open_client
from adapter.settings import Settings
from adapter.sync.namespace import resolve_namespace
from adapter.sync.pull.importer import ImportSummary, import_cases

_SHOWN_WARNINGS = 5


@app.command("import")
def import_command(
    out: Annotated[
        Path, typer.Option("--out", help="Directory for the case files (<case id>.json).")
    ],
    server: ServerOption = None,
    patient: Annotated[
        str | None,
        typer.Option(
            "--patient",
            help="Only this client's cases: a Patient id, or an identifier as system|value.",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
    any_namespace: Annotated[
        bool,
        typer.Option(
            "--any-namespace",
            help="Also import cases other adapter installations wrote under their own namespace "
            "(by default only this installation's and other systems' cases are read).",
        ),
    ] = False,
) -> None:
    """Import CarePlans, Goals, Tasks and EpisodesOfCare (each episode is a case) as case JSON.

    Cases that cannot be mapped are listed with their reason; the others are written.
    Exit status 0 when every case was imported, 1 when some were not (or no patient matched).
    """
    settings = settings_for(server)
    if out.exists() and not out.is_dir():
        fail(f"{out}: not a directory", EXIT_CONFIG)
    console = Console(stderr=True)
    try:
        namespace = None if any_namespace else _own_namespace(settings)
        summary = asyncio.run(_run(settings, out, patient, console, namespace))
    except FHIRError as exc:
        fail(describe(exc, settings.fhir_base_url), EXIT_UNREACHABLE)
    except AdapterError as exc:
        fail(str(exc), EXIT_FAILED)
    except OSError as exc:
        fail(f"{out}: cannot write the case files ({exc.strerror})", EXIT_CONFIG)
    if as_json:
        emit(summary.to_dict())
    else:
        _print(summary, out)
    if patient is not None and summary.patients == 0:
        fail(f"no Patient on {settings.fhir_base_url} matches {patient!r}", EXIT_FAILED)
    raise typer.Exit(EXIT_FAILED if summary.failed else 0)


def _own_namespace(settings: Settings) -> str | None:
    with ledger_for(settings) as ledger:
        return resolve_namespace(settings, ledger)


async def _run(
    settings: Settings, out: Path, patient: str | None, console: Console, namespace: str | None
) -> ImportSummary:
    columns = (TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    async with open_client(settings) as client:
        with Progress(*columns, console=console, disable=not console.is_terminal) as progress:
            task = progress.add_task("clients", total=None)

            def advance(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            return await import_cases(
                client, out_dir=out, patient=patient, progress=advance, namespace=namespace
            )


def _print(summary: ImportSummary, out: Path) -> None:
    console = Console(soft_wrap=True, highlight=False)
    console.print(
        f"imported {len(summary.imported)} cases of {summary.patients} clients into "
        f"{escape(str(out))}: {len(summary.failed)} could not be mapped, "
        f"{summary.warnings} warnings, {summary.other_namespace} of other namespaces left out"
    )
    for case in summary.imported:
        if case.warnings:
            console.print(f"  {escape(case.case_id)}: {len(case.warnings)} warnings")
            for warning in case.warnings[:_SHOWN_WARNINGS]:
                console.print(f"    {escape(warning)}")
    for failure in summary.failed:
        console.print(
            f"  [red]not imported[/red] {escape(failure.episode)}: {escape(failure.reason)}"
        )

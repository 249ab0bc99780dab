"""``adapter import``: cases other systems wrote on a FHIR server, as case records (payers)."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime
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
    SINCE_FORMATS,
    LedgerOption,
    ServerOption,
    fail,
    ledger_for,
    settings_for,
)
from adapter.errors import AdapterError, FHIRError
from adapter.fhir import open_client
from adapter.settings import Settings
from adapter.sync.namespace import resolve_namespace
from adapter.sync.pull.import_run import ImportRequest, run_import
from adapter.sync.pull.importer import ImportSummary, OwnData

_SHOWN = 5


@app.command("import")
def import_command(
    out: Annotated[Path, typer.Option("--out", help="Directory for the case records.")],
    server: ServerOption = None,
    ledger: LedgerOption = None,
    patient: Annotated[
        str | None,
        typer.Option(
            "--patient",
            help="Only this client's cases: a Patient id, or an identifier as system|value.",
            show_default=False,
        ),
    ] = None,
    own_data: Annotated[
        OwnData,
        typer.Option(
            "--own-data",
            help="This installation's own cases (its namespace's identifiers): left out "
            "(exclude), imported too (include), or imported alone (only).",
        ),
    ] = OwnData.EXCLUDE,
    any_namespace: Annotated[
        bool, typer.Option("--any-namespace", hidden=True, help="Same as --own-data include.")
    ] = False,
    since: Annotated[
        datetime | None,
        typer.Option(
            "--since",
            formats=SINCE_FORMATS,
            help="Only clients with a case resource changed at or after this instant "
            "(2026-01-05T12:00:00+00:00) or date (UTC).",
            show_default=False,
        ),
    ] = None,
    incremental: Annotated[
        bool,
        typer.Option(
            "--incremental",
            help="Since the previous --incremental run from this server (its watermark in "
            "the ledger; the first run reads everything), and move the watermark.",
        ),
    ] = False,
    bulk: Annotated[
        bool,
        typer.Option("--bulk", help="Read with FHIR Bulk Data $export (Patient level)."),
    ] = False,
    group: Annotated[
        str | None,
        typer.Option(
            "--group", help="With --bulk: export this Group's members only.", show_default=False
        ),
    ] = None,
    ndjson: Annotated[
        bool,
        typer.Option("--ndjson", help="Write one file <out>/cases.ndjson, a record per line."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Import the cases on a server (EpisodesOfCare, and CarePlans without one) as case records.

    Each record says where every part came from; foreign data gets documented defaults and
    warnings instead of being refused (docs/import.md). A file is rewritten only when its case
    changed. Exit status 0 when every case was imported, 1 when some were not or nothing could
    be imported though the server held matching data.
    """
    settings = settings_for(server, ledger)
    if out.exists() and not out.is_dir():
        fail(f"{out}: not a directory", EXIT_CONFIG)
    if group is not None and not bulk:
        fail("--group needs --bulk", EXIT_CONFIG)
    if since is not None and incremental:
        fail("give --since or --incremental, not both", EXIT_CONFIG)
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    request = ImportRequest(
        out_dir=out,
        patient=patient,
        since=since,
        incremental=incremental,
        bulk=bulk,
        group=group,
        ndjson=ndjson,
        own_data=OwnData.INCLUDE if any_namespace else own_data,
    )
    console = Console(stderr=True)
    try:
        summary = asyncio.run(_run(settings, request, console))
    except FHIRError as exc:
        fail(describe(exc, settings.fhir_base_url), EXIT_UNREACHABLE)
    except AdapterError as exc:
        fail(str(exc), EXIT_FAILED)
    except OSError as exc:
        fail(f"{out}: cannot write the case records ({exc.strerror})", EXIT_CONFIG)
    if as_json:
        emit(summary.to_dict())
    else:
        _print(summary, out)
    if patient is not None and summary.patients == 0:
        fail(f"no Patient on {settings.fhir_base_url} matches {patient!r}", EXIT_FAILED)
    if not summary.imported and summary.matched:
        fail("nothing could be imported, though the server holds matching data", EXIT_FAILED)
    raise typer.Exit(EXIT_FAILED if summary.failed else 0)


async def _run(settings: Settings, request: ImportRequest, console: Console) -> ImportSummary:
    columns = (TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with ledger_for(settings) as ledger:
        request = dataclasses.replace(request, namespace=resolve_namespace(settings, ledger))
        async with open_client(settings) as client:
            with Progress(*columns, console=console, disable=not console.is_terminal) as progress:
                task = progress.add_task("clients", total=None)

                def advance(done: int, total: int) -> None:
                    progress.update(task, completed=done, total=total)

                summary, _ = await run_import(client, request, ledger=ledger, progress=advance)
                return summary


def _print(summary: ImportSummary, out: Path) -> None:
    console = Console(soft_wrap=True, highlight=False)
    unchanged = len(summary.imported) - summary.written
    console.print(
        f"imported {len(summary.imported)} cases of {summary.patients} clients into "
        f"{escape(str(out))} ({summary.written} written, {unchanged} unchanged): "
        f"{len(summary.failed)} could not be imported, {summary.warnings} warnings"
    )
    left_out = [
        (summary.own_left_out, "of this installation (--own-data include to import them)"),
        (summary.other_left_out, "of other systems (--own-data only)"),
        (len(summary.refused), "resources that are not valid FHIR"),
        (len(summary.unlinked), "goals and tasks linked to no case"),
    ]
    for count, why in left_out:
        if count:
            console.print(f"  left out: {count} {why}")
    for line in [*summary.refused, *(f"{k}: linked to no case" for k in summary.unlinked)][:_SHOWN]:
        console.print(f"    {escape(line)}")
    for case in summary.imported:
        if case.warnings:
            console.print(
                f"  {escape(case.case_id)} ({escape(case.source)}): {len(case.warnings)} warnings"
            )
            for warning in case.warnings[:_SHOWN]:
                console.print(f"    {escape(warning)}")
    for failure in summary.failed:
        console.print(
            f"  [red]not imported[/red] {escape(failure.episode)}: {escape(failure.reason)}"
        )

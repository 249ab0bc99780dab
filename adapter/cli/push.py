"""``adapter push``: send cases from JSON files to the FHIR server, only what changed."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from adapter.cli.app import app
from adapter.cli.json_out import JsonOption, emit, push_json
from adapter.cli.push_preview import show_diff, show_dry_run
from adapter.cli.sync_session import (
    EXIT_CONFIG,
    EXIT_FAILED,
    ConcurrencyOption,
    LedgerOption,
    ServerOption,
    fail,
    ledger_for,
    push_with_progress,
    settings_for,
)
from adapter.jsonfile import STDIN
from adapter.sync.push.inputs import case_files, iter_inputs
from adapter.sync.push.outcomes import PushReport


@app.command()
def push(
    path: Annotated[
        Path | None,
        typer.Argument(
            help="A case JSON file (object or array), a directory of them, or - for stdin.",
            show_default=False,
        ),
    ] = None,
    server: ServerOption = None,
    concurrency: ConcurrencyOption = None,
    ledger: LedgerOption = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Plan every case and print what would be written per case and type; "
            "no request to the server, no write to the ledger.",
        ),
    ] = False,
    diff: Annotated[
        str | None,
        typer.Option(
            "--diff",
            metavar="CASE",
            help="Compare the stored case's resources with the server's, field by field "
            "(reads the server, writes nothing).",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Push cases: one transaction per case, unchanged resources skipped, failures dead-lettered.

    Exit status 0 when every case landed, 1 when some are in the dead-letter list.
    """
    if diff is not None:
        if path is not None or dry_run:
            fail("--diff CASE takes no PATH and no --dry-run", EXIT_CONFIG)
        show_diff(settings_for(server, ledger), diff, as_json=as_json)
        return
    if path is None:
        fail("give a case file, a directory or - (stdin)", EXIT_CONFIG)
    if path != STDIN and not path.exists():
        fail(f"{path}: no such file or directory", EXIT_CONFIG)
    settings = settings_for(server, ledger)
    files = case_files(path)
    if not files:
        fail(f"{path}: no *.json case files found", EXIT_CONFIG)
    if dry_run:
        show_dry_run(settings, iter_inputs(path), as_json=as_json)
        return
    console = Console(stderr=True)
    with ledger_for(settings) as store:
        # Read lazily: a directory of 50,000 cases is never held in memory at once.
        report = asyncio.run(
            push_with_progress(
                settings,
                store,
                iter_inputs(path),
                concurrency=concurrency,
                console=console,
                total=len(files) if path != STDIN else None,
            )
        )
    if as_json:
        emit(push_json(report, settings.fhir_base_url))
    else:
        print_report(report, settings.fhir_base_url)
    raise typer.Exit(0 if report.all_ok else EXIT_FAILED)


def print_report(report: PushReport, server: str) -> None:
    """The run's summary on stdout, then one line per failed case."""
    s = report.summary()
    out = Console(soft_wrap=True, highlight=False)
    out.print(
        f"pushed {s['cases']} cases to {escape(server)} (run {report.run_id}, "
        f"namespace {escape(report.namespace or '(none)')}): "
        f"{s['cases_written']} written, {s['cases_unchanged']} unchanged, "
        f"{s['cases_failed']} failed; resources: {s['resources_written']} written, "
        f"{s['resources_unchanged']} unchanged; merged {s['merged']}, conflicts {s['conflicts']}, "
        f"restored {s['conflicts_restored']}; "
        f"dead letters: {len(report.failed)}"
    )
    if s["cases_held"]:
        out.print(
            f"{s['cases_held']} cases were held by other workers on this ledger the whole time "
            "(their runs report them; docs/scale.md)"
        )
    if report.server_check in ("lost", "older", "unverified"):
        out.print(
            f"server check: {report.server_check}; {report.forgotten} resources the ledger "
            "claimed were not on the server and were sent again (see `adapter verify`)"
        )
    elif report.server_check == "adopt":
        out.print(
            "server check: adopt; the server already held this installation's data and this "
            "ledger was new: what it held was adopted, only what differed was sent"
        )
    elif report.server_check == "unsupported":
        out.print("server check: skipped (the server refused the marker resource)")
    if report.left_out_types:
        mapped = s["resources_left_out"]
        count = f" ({mapped} resources of the cases mapped in this run)" if mapped else ""
        out.print(
            f"left out, not taken by this server: {', '.join(report.left_out_types)}{count}; "
            "see ADAPTER_RESOURCE_TYPES in docs/sync.md"
        )
    for case in report.cases:
        for change in case.taken:
            out.print(f"  case {escape(case.case_id)}: {escape(change)} (from the server)")
        if case.kept:
            kept = ", ".join(case.kept)
            out.print(
                f"  case {escape(case.case_id)}: kept {escape(kept)} as stored "
                "(the input is behind what the server reported)"
            )
        for line in case.referrals_pending:
            out.print(f"  [yellow]pending[/yellow] {escape(line)}")
    for case in report.failed:
        out.print(f"  {escape(case.describe())}")
    if report.ledger_problem is not None:
        out.print(f"the ledger could not close the run: {escape(report.ledger_problem)}")
    if report.failed:
        out.print("see `adapter dlq list` and `adapter explain CASE_ID`")

"""``adapter pull``: bring changes made on the FHIR server back into the stored cases."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from adapter.cli.app import app
from adapter.cli.failures import describe
from adapter.cli.json_out import JsonOption, emit
from adapter.cli.sync_session import (
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
from adapter.sync.ledger import Ledger
from adapter.sync.namespace import resolve_namespace
from adapter.sync.pull.run import PullReport, pull_changes
from adapter.sync.referrals.sources import task_server
from adapter.sync.server_profile import settings_with_profile


@app.command()
def pull(
    server: ServerOption = None,
    ledger: LedgerOption = None,
    since: Annotated[
        datetime | None,
        typer.Option(
            "--since",
            formats=SINCE_FORMATS,
            help="Read changes from this instant (e.g. 2026-01-05T12:00:00+00:00) or date "
            "(2026-01-05: from its start, UTC) instead of the stored watermark.",
            show_default=False,
        ),
    ] = None,
    overlap: Annotated[
        int | None,
        typer.Option(
            "--overlap",
            min=0,
            help="Seconds re-read before the watermark (late-committing transactions) "
            "[default: ADAPTER_PULL_OVERLAP_SECONDS, 300].",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Apply server-side changes (tasks completed, goals achieved, deletes) to the stored cases.

    Elements case management owns are never overwritten from the server: such changes are
    listed as conflicts (see `adapter status`). Exit status 0 when every change was applied or
    only warnings remain (resources new on the server, finished records deleted there), 1 when
    there were conflicts or cases that could not be updated.
    """
    settings = settings_for(server, ledger)
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)  # a plain date (the only zoneless form accepted): UTC
    with ledger_for(settings) as store:
        # The namespace push wrote under, or the pull would not recognise our own resources.
        namespace = resolve_namespace(settings, store)
        try:
            report = asyncio.run(
                _run(
                    settings,
                    store,
                    namespace,
                    since,
                    timedelta(
                        seconds=settings.pull_overlap_seconds if overlap is None else overlap
                    ),
                )
            )
        except FHIRError as exc:
            fail(describe(exc, settings.fhir_base_url), EXIT_UNREACHABLE)
        except AdapterError as exc:
            fail(str(exc), EXIT_FAILED)
    if as_json:
        emit(pull_json(report, namespace))
    else:
        print_report(report, namespace)
    raise typer.Exit(0 if report.ok else EXIT_FAILED)


async def _run(
    settings: Settings,
    ledger: Ledger,
    namespace: str | None,
    since: datetime | None,
    overlap: timedelta,
) -> PullReport:
    # The namespace push wrote under, or the pull would not recognise our own resources.
    namespace = resolve_namespace(settings, ledger)
    settings = await settings_with_profile(settings, ledger, namespace)
    async with open_client(settings) as client, task_server(settings) as tasks:
        return await pull_changes(
            client,
            ledger,
            since=since,
            overlap=overlap,
            namespace=namespace,
            strategy=settings.pull_strategy,
            referral_tasks=tasks,
        )


def print_report(report: PullReport, namespace: str | None = None) -> None:
    """Per case what changed and what was not applied, then one line for the run."""
    out = Console(soft_wrap=True, highlight=False)
    for update in report.updates:
        if not update.changes and not update.disputes:
            continue
        out.print(f"case {escape(update.case_id)}")
        for change in update.changes:
            out.print(f"  {escape(str(change))}")
        for dispute in update.disputes:
            label = "[cyan]warning[/cyan]" if dispute.is_warning else "[yellow]conflict[/yellow]"
            fields = f" ({', '.join(dispute.fields)})" if dispute.fields else ""
            resource = "/".join(dispute.resource)
            out.print(f"  {label} {escape(resource)}{escape(fields)}: {escape(dispute.message)}")
    for case_id in report.not_stored:
        out.print(
            f"  [cyan]warning[/cyan] case {escape(case_id)}: not in the case store; "
            "changes not applied"
        )
    for failure in report.failures:
        out.print(f"  [red]failed[/red] case {escape(failure.case_id)}: {escape(failure.reason)}")
    for refusal in report.refused:
        out.print(f"  [cyan]note[/cyan] not supported by the server: {escape(refusal)}")
    for invalid in report.invalid:
        out.print(f"  [cyan]warning[/cyan] not applied: {escape(invalid)}")
    for answer in report.aborts:
        out.print(f"  {escape(answer.line())}")
    for changed in report.referral_tasks:
        out.print(f"  {escape(changed.line())}")
    if report.rewound:
        out.print(
            f"[bold red]warning[/bold red]: the server went back in time: {len(report.rewound)} "
            "resources are at or below the version the ledger holds but say something else "
            "(restored from a backup? renumbered?); their changes were applied. Run `adapter "
            "verify` to find what else it lost."
        )
    out.print(summary_line(report, namespace))


def pull_json(report: PullReport, namespace: str | None) -> dict[str, Any]:
    """``pull --json``: the summary's counts, then per case what changed and what was not."""
    return {
        **report.summary(),
        "run_id": report.run_id,
        "server": report.server,
        "namespace": namespace,
        "cursor": report.cursor,
        "cases": _cases_json(report),
        "not_stored": list(report.not_stored),
        "failures": [{"case_id": f.case_id, "reason": f.reason} for f in report.failures],
        "referral_cancellations": [
            {
                "case_id": a.case_id,
                "task_id": a.record_id,
                "abort_task_id": a.abort_id,
                "status": a.status,
            }
            for a in report.aborts
        ],
        "referral_tasks": [t.to_dict() for t in report.referral_tasks],
    }


def _cases_json(report: PullReport) -> list[dict[str, Any]]:
    """Per case: every field the pull changed (the change feed's rows) and what it did not
    apply (disputes); only cases with something to say."""
    cases: dict[str, dict[str, Any]] = {}
    for row in report.changes_by_case():
        cases[row["case_id"]] = {**row, "disputes": []}
    for update in report.updates:
        if not update.disputes:
            continue
        case = cases.setdefault(update.case_id, {"case_id": update.case_id, "changes": []})
        case["disputes"] = [
            {
                "resource": "/".join(dispute.resource),
                "kind": dispute.kind,
                "fields": list(dispute.fields),
                "warning": dispute.is_warning,
                "message": dispute.message,
            }
            for dispute in update.disputes
        ]
    return [cases[case_id] for case_id in sorted(cases)]


def _what_was_read(report: PullReport) -> str:
    if report.first_read == "namespace":
        return "resources under this installation's namespace tag (first pull)"
    if report.first_read == "identifiers":
        return "resources with this installation's identifiers (first pull)"
    return f"history entries (read by {report.strategy})"


def summary_line(report: PullReport, namespace: str | None = None) -> str:
    s = report.summary()
    return (
        f"pulled from {escape(report.server)} (run {report.run_id}, namespace "
        f"{escape(namespace or '(none)')}) since "
        f"{s['since'] or 'the start'}: {s['entries_read']} {_what_was_read(report)}, "
        f"{s['changed_resources']} changed resources ({s['already_known']} already known, "
        f"{s['unmatched']} not ours); {s['cases_updated']} cases updated, "
        f"{s['conflicts']} conflicts, {s['warnings']} warnings, {s['failed']} failed; "
        f"next pull from {s['watermark'] or 'the start'}"
    )

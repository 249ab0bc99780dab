"""``adapter status``: the last runs, what the ledger holds, open dead letters and conflicts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from adapter.cli.app import app
from adapter.cli.json_out import JsonOption, emit, run_json
from adapter.cli.sync_session import LedgerOption, ServerOption, ledger_for, settings_for
from adapter.sync.ledger import Ledger, Run
from adapter.sync.pull.run import PULL_STREAM
from adapter.sync.referrals.alerts import Unanswered, unanswered_in_store


@app.command()
def status(
    server: ServerOption = None,
    ledger: LedgerOption = None,
    runs: Annotated[
        int, typer.Option("--runs", min=1, max=500, help="How many runs to show.")
    ] = 10,
    as_json: JsonOption = False,
) -> None:
    """Show recent runs, resources per type, open dead letters and open conflicts, and the
    referrals still without an answer after ADAPTER_REFERRAL_NO_ANSWER_BUSINESS_DAYS.

    Without --server every server in the ledger is shown.
    """
    settings = settings_for(server, ledger)
    out = Console(soft_wrap=True, highlight=False)
    days = settings.referral_no_answer_business_days
    with ledger_for(settings) as store:
        waiting = unanswered_in_store(store, now=datetime.now(UTC), days=days)
        if as_json:
            emit(status_json(store, server, runs) | {"unanswered_referrals": _waiting(waiting)})
            return
        _print_runs(out, store.runs(runs, server=server))
        _print_watermarks(out, store, server)
        _print_counts(out, store, server)
        _print_unanswered(out, waiting, days)


def _print_unanswered(out: Console, waiting: list[Unanswered], days: int) -> None:
    out.print(f"referrals without an answer after {days} business days: {len(waiting)}")
    for item in waiting:
        out.print(
            f"  case {escape(item.case_id)} task {escape(item.task_id)}: requested since "
            f"{item.sent_on.isoformat()} ({item.business_days} business days), "
            f"owner {escape(item.owner_id or 'none')}"
        )


def _waiting(waiting: list[Unanswered]) -> list[dict[str, object]]:
    return [item.json() for item in waiting]


def _print_runs(out: Console, items: list[Run]) -> None:
    out.print(f"last {len(items)} run(s):" if items else "no runs yet")
    for run in items:
        total = "?" if run.cases_total is None else str(run.cases_total)
        out.print(
            f"  #{run.id} {run.kind.value} {run.status.value} {when(run.started_at)}: "
            f"cases {run.cases_ok} ok, {run.cases_failed} failed of {total}; "
            f"resources {run.resources_written} written, {run.resources_unchanged} unchanged; "
            f"{escape(run.server_url)}"
        )


def _print_watermarks(out: Console, store: Ledger, server: str | None) -> None:
    marks = store.watermarks(PULL_STREAM)
    if server is not None:
        marks = {url: value for url, value in marks.items() if url == server}
    if not marks:
        out.print("last pull: none yet (the next pull reads the whole history)")
    for url, value in sorted(marks.items()):
        out.print(
            f"last pull read up to {value.isoformat()} (server time) on {escape(url)}; "
            "the next one starts there, less the overlap"
        )


def _print_counts(out: Console, store: Ledger, server: str | None) -> None:
    counts = store.counts(server)
    types = ", ".join(f"{name} {n}" for name, n in sorted(counts.entries_by_type.items()))
    out.print(f"resources in the ledger: {counts.entries} ({types or 'none'})")
    out.print(
        f"resources failing: {counts.failing_entries}; runs still running: {counts.running_runs}"
    )
    reasons = ", ".join(
        f"{reason.value} {n}" for reason, n in sorted(counts.open_dead_letters_by_reason.items())
    )
    out.print(
        f"open dead letters: {counts.open_dead_letters}" + (f" ({reasons})" if reasons else "")
    )
    out.print(f"open conflicts: {counts.open_conflicts}")
    for conflict in store.conflicts(server=server):
        out.print(
            f"  #{conflict.id} case {escape(conflict.case_id)} "
            f"{conflict.resource_type}/{conflict.resource_id}: {', '.join(conflict.fields)} "
            f"(ours v{conflict.local_version}, server v{conflict.server_version})"
        )


def status_json(store: Ledger, server: str | None, runs: int) -> dict[str, Any]:
    """``status --json``."""
    marks = store.watermarks(PULL_STREAM)
    counts = store.counts(server)
    return {
        "runs": [run_json(run) for run in store.runs(runs, server=server)],
        "pull_watermarks": {
            url: value for url, value in sorted(marks.items()) if server in (None, url)
        },
        "resources": counts.entries,
        "resources_by_type": dict(sorted(counts.entries_by_type.items())),
        "resources_failing": counts.failing_entries,
        "runs_running": counts.running_runs,
        "open_dead_letters": counts.open_dead_letters,
        "open_dead_letters_by_reason": {
            reason.value: n for reason, n in sorted(counts.open_dead_letters_by_reason.items())
        },
        "open_conflicts": [
            {
                "id": c.id,
                "case_id": c.case_id,
                "resource": f"{c.resource_type}/{c.resource_id}",
                "fields": list(c.fields),
                "local_version": c.local_version,
                "server_version": c.server_version,
            }
            for c in store.conflicts(server=server)
        ],
    }


def when(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")

"""``adapter explain CASE_ID``: everything the ledger knows about one case, attempt by attempt."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from adapter.cli.app import app
from adapter.cli.status import when
from adapter.cli.sync_session import (
    EXIT_FAILED,
    LedgerOption,
    ServerOption,
    fail,
    ledger_for,
    settings_for,
)
from adapter.fhir.outcome import issue_line, trimmed
from adapter.sync.ledger import Attempt
from adapter.sync.timeline import CaseTimeline, case_timeline

_LISTED = 20  # written resources listed per attempt


@app.command()
def explain(
    case_id: Annotated[str, typer.Argument(help="The case id (e.g. CM-2001).")],
    server: ServerOption = None,
    ledger: LedgerOption = None,
) -> None:
    """Show every attempt at one case with the server's answers, its dead letters and conflicts.

    Server diagnostics can quote submitted data: this prints them for you, it never logs them.
    """
    settings = settings_for(server, ledger)
    out = Console(soft_wrap=True, highlight=False)
    with ledger_for(settings) as store:
        timeline = case_timeline(store, case_id, server)
    if not timeline.known:
        fail(f"the ledger knows nothing about case {case_id}", EXIT_FAILED)
    if (stored := timeline.stored) is not None:
        out.print(
            f"case {escape(case_id)}: source {escape(stored.source)}, "
            f"stored {when(stored.updated_at)}"
            + ("" if stored.document is not None else " (no valid version accepted yet)")
        )
    for attempt in timeline.attempts:
        _print_attempt(out, attempt)
    _print_letters_and_conflicts(out, timeline)


def _print_attempt(out: Console, attempt: Attempt) -> None:
    answer = " ".join(
        part
        for part in (
            f"HTTP {attempt.http_status}" if attempt.http_status else "",
            attempt.server_code or "",
            attempt.error_class or "",
        )
        if part
    )
    out.print(
        f"{when(attempt.at)} run {attempt.run_id} [bold]{attempt.outcome.value}[/bold] "
        f"{escape(answer)} {escape(attempt.server_url)}"
    )
    if attempt.message:
        out.print(f"    {escape(attempt.message)}")
    for issue in issues(attempt.operation_outcome):
        out.print(f"    server: {escape(issue)}")
    if attempt.resources:
        changed = [r for r in attempt.resources if r.get("changed")]
        kept = len(attempt.resources) - len(changed)
        out.print(f"    resources: {len(changed)} written, {kept} unchanged")
        if len(changed) > _LISTED:
            out.print(f"      ... and {len(changed) - _LISTED} more")
        for item in changed[:_LISTED]:
            out.print(f"      {item['type']}/{item['id']} -> version {item.get('version_id')}")


def _print_letters_and_conflicts(out: Console, timeline: CaseTimeline) -> None:
    for letter in timeline.letters:
        state = (
            "open"
            if letter.is_open
            else f"resolved {when(letter.resolved_at)} ({letter.resolution})"
        )
        out.print(
            f"dead letter #{letter.id} \\[{letter.reason.value}] {state}, "
            f"{letter.attempts} attempt(s), last {when(letter.last_at)}"
        )
    for conflict in timeline.conflicts:
        state = "open" if conflict.resolved_at is None else "merged"
        out.print(
            f"conflict #{conflict.id} {conflict.resource_type}/{conflict.resource_id} {state}: "
            f"{escape(_detail(conflict.detail))}"
        )


def issues(outcome: dict[str, Any] | None) -> list[str]:
    """The OperationOutcome's issues as lines: severity, code, the server's text (trimmed: older
    ledgers may hold whole outcomes), location."""
    return [issue_line(issue) for issue in (trimmed(outcome) or {}).get("issue") or []]


def _detail(detail: dict[str, Any] | None) -> str:
    parts = [
        f"{name.replace('_', ' ')}: {', '.join(paths)}"
        for name, paths in (detail or {}).items()
        if paths
    ]
    return "; ".join(parts) or "no detail"

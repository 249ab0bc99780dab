"""``adapter explain CASE_ID``: everything the ledger knows about one case, attempt by attempt."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from adapter.cli.app import app
from adapter.cli.conflict_view import conflict_rows, local_resources, server_resources, show
from adapter.cli.json_out import (
    JsonOption,
    attempt_json,
    conflict_json,
    emit,
    letter_json,
)
from adapter.cli.push_preview import known_namespace
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
from adapter.sync.ledger import Attempt, Conflict, DeadLetter
from adapter.sync.timeline import case_timeline

_LISTED = 20  # written resources listed per attempt


@app.command()
def explain(
    case_id: Annotated[str, typer.Argument(help="The case id (e.g. CM-2001).")],
    server: ServerOption = None,
    ledger: LedgerOption = None,
    read_server: Annotated[
        bool,
        typer.Option(
            "--read-server",
            help="Read the server's version of each conflicting resource to show its values.",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Show every attempt at one case with the server's answers, its dead letters and conflicts
    (field, local value, server value).

    Server diagnostics can quote submitted data: this prints them for you, it never logs them.
    """
    settings = settings_for(server, ledger)
    with ledger_for(settings) as store:
        timeline = case_timeline(store, case_id, server)
        if not timeline.known:
            fail(f"the ledger knows nothing about case {case_id}", EXIT_FAILED)
        stored, attempts = timeline.stored, timeline.attempts
        letters, conflicts = timeline.letters, timeline.conflicts
        local = local_resources(
            stored.document if stored else None, known_namespace(settings, store)
        )
    remote = None
    if read_server and conflicts:
        remote = server_resources(settings, [c for c in conflicts if c.resolved_at is None])
    rows = {c.id: conflict_rows(c, local, remote) for c in conflicts}
    if as_json:
        emit(
            {
                "case_id": case_id,
                "stored": None
                if stored is None
                else {
                    "source": stored.source,
                    "updated_at": stored.updated_at,
                    "valid": stored.document is not None,
                },
                "attempts": [attempt_json(a) for a in attempts],
                "dead_letters": [letter_json(letter) for letter in letters],
                "conflicts": [conflict_json(c, rows[c.id]) for c in conflicts],
            }
        )
        return
    out = Console(soft_wrap=True, highlight=False)
    if stored is not None:
        out.print(
            f"case {escape(case_id)}: source {escape(stored.source)}, "
            f"stored {when(stored.updated_at)}"
            + ("" if stored.document is not None else " (no valid version accepted yet)")
        )
    for attempt in attempts:
        _print_attempt(out, attempt)
    _print_letters(out, letters)
    _print_conflicts(out, conflicts, rows)


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


def _print_letters(out: Console, letters: list[DeadLetter]) -> None:
    for letter in letters:
        state = (
            "open"
            if letter.is_open
            else f"resolved {when(letter.resolved_at)} ({letter.resolution})"
        )
        out.print(
            f"dead letter #{letter.id} \\[{letter.reason.value}] {state}, "
            f"{letter.attempts} attempt(s), last {when(letter.last_at)}"
        )


def _print_conflicts(
    out: Console, conflicts: list[Conflict], rows: dict[int, list[dict[str, Any]]]
) -> None:
    for conflict in conflicts:
        state = (
            "open"
            if conflict.resolved_at is None
            else f"closed {when(conflict.resolved_at)} ({conflict.resolution or 'merged'})"
        )
        kind = (conflict.detail or {}).get("kind")
        out.print(
            f"conflict #{conflict.id} {conflict.resource_type}/{escape(conflict.resource_id)} "
            f"{state}{f' ({escape(str(kind))})' if kind else ''}: "
            f"ours v{conflict.local_version}, server v{conflict.server_version}"
        )
        if not rows[conflict.id]:
            continue
        table = Table(show_edge=False, pad_edge=False, box=None)
        for name in ("field", "local", "server"):
            table.add_column(name, overflow="fold")
        for row in rows[conflict.id]:
            table.add_row(
                escape(row["field"]), escape(show(row["local"])), escape(show(row["server"]))
            )
        out.print(table)


def issues(outcome: dict[str, Any] | None) -> list[str]:
    """The OperationOutcome's issues as lines: severity, code, the server's text (trimmed: older
    ledgers may hold whole outcomes), location."""
    return [issue_line(issue) for issue in (trimmed(outcome) or {}).get("issue") or []]

"""``--json``: the stable shapes the commands print for scripts (docs/cli-json.md lists them).

One JSON document on stdout per command; progress and errors stay on stderr. Keys are only
ever added, never renamed or removed; times are ISO 8601 in UTC; ids and counts, never patient
data (``case show`` and ``push --diff`` excepted: they print what was asked for).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

import typer

from adapter.fhir.outcome import issue_line, trimmed
from adapter.sync.ledger import Attempt, Conflict, DeadLetter, Run
from adapter.sync.push.outcomes import CaseOutcome, PushReport

__all__ = [
    "JsonOption",
    "attempt_json",
    "conflict_json",
    "emit",
    "letter_json",
    "push_json",
    "run_json",
]

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print JSON for scripts (shapes: docs/cli-json.md).")
]


def emit(document: Any) -> None:
    """Print ``document`` as indented JSON on stdout."""
    typer.echo(json.dumps(document, indent=2, default=_default))


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def push_json(report: PushReport, server: str) -> dict[str, Any]:
    """``push --json`` and ``dlq retry --json``."""
    return {
        "run_id": report.run_id,
        "server": server,
        "namespace": report.namespace,
        "all_ok": report.all_ok,
        "summary": report.summary(),
        "cases": [case_json(case) for case in report.cases],
        "ledger_problem": report.ledger_problem,
    }


def case_json(case: CaseOutcome) -> dict[str, Any]:
    return {
        "case_id": case.case_id,
        "status": case.status.value,
        "written": case.written,
        "unchanged": case.unchanged,
        "failed": case.failed,
        "merged": case.merged,
        "conflicts": case.conflicts,
        "restored": case.restored,
        "reason": case.reason.value if case.reason is not None else None,
        "message": case.message,
        "taken_from_server": list(case.taken),
        "kept": list(case.kept),
        "referral_tasks_pending": list(case.referrals_pending),
    }


def run_json(run: Run) -> dict[str, Any]:
    return {
        "id": run.id,
        "kind": run.kind.value,
        "status": run.status.value,
        "server_url": run.server_url,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "cases_total": run.cases_total,
        "cases_ok": run.cases_ok,
        "cases_failed": run.cases_failed,
        "resources_written": run.resources_written,
        "resources_unchanged": run.resources_unchanged,
    }


def letter_json(letter: DeadLetter) -> dict[str, Any]:
    return {
        "id": letter.id,
        "case_id": letter.case_id,
        "server_url": letter.server_url,
        "reason": letter.reason.value,
        "open": letter.is_open,
        "http_status": letter.http_status,
        "server_code": letter.server_code,
        "message": letter.message,
        "server_says": outcome_lines(letter.operation_outcome),
        "attempts": letter.attempts,
        "first_at": letter.first_at,
        "last_at": letter.last_at,
        "resolved_at": letter.resolved_at,
        "resolution": letter.resolution,
    }


def attempt_json(attempt: Attempt) -> dict[str, Any]:
    return {
        "at": attempt.at,
        "run_id": attempt.run_id,
        "outcome": attempt.outcome.value,
        "server_url": attempt.server_url,
        "http_status": attempt.http_status,
        "server_code": attempt.server_code,
        "error_class": attempt.error_class,
        "message": attempt.message,
        "server_says": outcome_lines(attempt.operation_outcome),
        "resources": [
            {
                "type": item["type"],
                "id": item["id"],
                "version_id": item.get("version_id"),
                "changed": bool(item.get("changed")),
            }
            for item in attempt.resources or []
        ],
    }


def conflict_json(conflict: Conflict, fields: list[dict[str, Any]]) -> dict[str, Any]:
    """A conflict with its ``fields`` rows: ``{"field", "local", "server"}``."""
    return {
        "id": conflict.id,
        "case_id": conflict.case_id,
        "server_url": conflict.server_url,
        "resource": f"{conflict.resource_type}/{conflict.resource_id}",
        "open": conflict.resolved_at is None,
        "local_version": conflict.local_version,
        "server_version": conflict.server_version,
        "kind": (conflict.detail or {}).get("kind"),
        "fields": fields,
        "created_at": conflict.created_at,
        "resolved_at": conflict.resolved_at,
    }


def outcome_lines(outcome: dict[str, Any] | None) -> list[str]:
    """The OperationOutcome's issues as lines: severity, code, the server's text (trimmed),
    location."""
    return [issue_line(issue) for issue in (trimmed(outcome) or {}).get("issue") or []]

"""What a push reports: per case and for the whole run (no patient data, ids and counts only)."""

from __future__ import annotations

import dataclasses
import enum
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from adapter.sync.ledger.schema import ReasonCode

__all__ = ["CaseOutcome", "CaseStatus", "PushReport", "after_retry"]


class CaseStatus(enum.StrEnum):
    WRITTEN = "written"
    """At least one resource was written and the whole case landed."""
    UNCHANGED = "unchanged"
    """Nothing to send (no request), or the server stored nothing new."""
    FAILED = "failed"
    """Dead-lettered; ``written`` may still count resources that landed safely."""
    HELD = "held"
    """Another push worker held the case's lease the whole time (:mod:`adapter.sync.push.leasing`):
    that worker's run reports it; nothing was sent by this one."""


@dataclass(frozen=True)
class CaseOutcome:
    case_id: str
    status: CaseStatus
    written: int = 0
    unchanged: int = 0
    failed: int = 0
    merged: int = 0
    conflicts: int = 0
    reason: ReasonCode | None = None
    message: str | None = None
    taken: tuple[str, ...] = ()
    """What a merge took from the server into the stored case ("task T-2 status: a -> b")."""
    kept: tuple[str, ...] = ()
    """Fields of the input behind what the store holds (a provider completed the task since the
    case-management system's last export), kept as stored: ``tasks[1].status``."""
    restored: int = 0
    """Conflicts a pull listed (case-management elements changed on the server) that this push
    resolved by writing the case manager's values back."""
    left_out: int = 0
    """Resources not written because this server does not take their type
    (:mod:`adapter.sync.push.selection`)."""
    referrals_pending: tuple[str, ...] = ()
    """Referral Tasks the performer's server (ADAPTER_REFERRAL_TASK_SERVER) did not take: one
    line each with the case, the task and why; the next push tries again."""

    @property
    def ok(self) -> bool:
        return self.status is not CaseStatus.FAILED

    def describe(self) -> str:
        """One line for logs and the CLI: case id, outcome, counts."""
        text = f"case {self.case_id}: {self.status.value}, {self.written} written, "
        text += f"{self.unchanged} unchanged"
        if self.merged:
            text += f", {self.merged} merged"
        if self.restored:
            text += f", {self.restored} conflicts restored"
        if self.left_out:
            text += f", {self.left_out} left out"
        if self.failed:
            text += f", {self.failed} failed"
        if self.reason is not None:
            text += f" [{self.reason.value}] {self.message or ''}".rstrip()
        for line in self.referrals_pending:
            text += f"; {line}"
        return text


@dataclass(frozen=True)
class PushReport:
    """A push run's outcome per case. ``ledger_problem``: the ledger could not close the run
    (each case's outcome still stands)."""

    run_id: int
    cases: list[CaseOutcome] = field(default_factory=list)
    ledger_problem: str | None = None
    # What the check before the push found (see adapter.sync.push.marker): "same", "new",
    # "unverified", "lost", "older" or "unsupported"; and how many claimed resources it found
    # gone from the server (forgotten, so their cases send them again).
    server_check: str = "same"
    forgotten: int = 0
    namespace: str | None = None  # the namespace the run wrote under (None: plain ids)
    left_out_types: tuple[str, ...] = ()  # types not written to this server (by the end)

    def count(self, status: CaseStatus) -> int:
        return sum(1 for case in self.cases if case.status is status)

    @property
    def failed(self) -> list[CaseOutcome]:
        return [case for case in self.cases if not case.ok]

    @property
    def resources_written(self) -> int:
        return sum(case.written for case in self.cases)

    @property
    def resources_unchanged(self) -> int:
        return sum(case.unchanged for case in self.cases)

    @property
    def all_ok(self) -> bool:
        pending = any(case.referrals_pending for case in self.cases)
        return not self.failed and self.ledger_problem is None and not pending

    def summary(self) -> dict[str, Any]:
        """Counts for the run's summary column and the CLI (JSON-ready)."""
        reasons = Counter(case.reason.value for case in self.failed if case.reason is not None)
        return {
            "cases": len(self.cases),
            "cases_written": self.count(CaseStatus.WRITTEN),
            "cases_unchanged": self.count(CaseStatus.UNCHANGED),
            "cases_failed": self.count(CaseStatus.FAILED),
            "cases_held": self.count(CaseStatus.HELD),
            "resources_written": self.resources_written,
            "resources_unchanged": self.resources_unchanged,
            "merged": sum(case.merged for case in self.cases),
            "conflicts": sum(case.conflicts for case in self.cases),
            "taken_from_server": sum(len(case.taken) for case in self.cases),
            "conflicts_restored": sum(case.restored for case in self.cases),
            "stale_fields_kept": sum(len(case.kept) for case in self.cases),
            "resources_left_out": sum(case.left_out for case in self.cases),
            "referral_tasks_pending": sum(len(case.referrals_pending) for case in self.cases),
            "left_out_types": list(self.left_out_types),
            "dead_letters_by_reason": dict(sorted(reasons.items())),
            "server_check": self.server_check,
            "forgotten": self.forgotten,
            "namespace": self.namespace,
        }


def after_retry(first: CaseOutcome, retry: CaseOutcome) -> CaseOutcome:
    """A case sent again in the same run: the retry's outcome, with the first send's writes."""
    written = first.written + retry.written
    status = retry.status
    if status is CaseStatus.UNCHANGED and written:
        status = CaseStatus.WRITTEN
    return dataclasses.replace(
        retry, status=status, written=written, merged=first.merged + retry.merged
    )

"""What one pull read and did (:class:`PullReport`), as the CLI, the service and the ledger
report it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from adapter.sync.feed import FeedChange
from adapter.sync.ledger.records import ResourceKey
from adapter.sync.pull.inbound import CaseUpdate
from adapter.sync.referrals.outbound import AbortAnswer
from adapter.sync.referrals.task_pull import TaskAnswer

__all__ = ["CaseFailure", "PullReport"]


@dataclass(frozen=True, slots=True)
class CaseFailure:
    case_id: str
    reason: str


@dataclass
class PullReport:
    """What one pull read and did. ``watermark`` is where the next pull starts (before the
    overlap); None when the server gave no time and none was stored."""

    server: str
    run_id: int
    since: datetime | None
    watermark: datetime | None = None
    entries_read: int = 0
    strategy: str | None = None
    refused: list[str] = field(default_factory=list)
    changed_resources: int = 0
    already_known: int = 0
    unmatched: int = 0
    not_stored: list[str] = field(default_factory=list)
    updates: list[CaseUpdate] = field(default_factory=list)
    failures: list[CaseFailure] = field(default_factory=list)
    first_read: str | None = None
    """How a first pull read this installation's resources: ``namespace`` (by its tag),
    ``identifiers`` (by the adapter's identifier systems) or ``history`` (the server refused
    those searches); None for later pulls."""
    feed: list[FeedChange] = field(default_factory=list)
    """Every field the pull changed in a stored case (the change feed's rows, which the
    ledger numbered with cursors up to ``cursor``)."""
    cursor: int = 0
    """The change feed's newest cursor after the run."""
    invalid: list[str] = field(default_factory=list)
    """Changed resources that are not valid FHIR (type, id, element): not applied."""
    aborts: list[AbortAnswer] = field(default_factory=list)
    """Answers to the cancellation Tasks sent for outbound referrals (referrals/outbound.py)."""
    referral_tasks: list[TaskAnswer] = field(default_factory=list)
    """The performer's changes to referral Tasks on its own server (referrals/task_pull.py)."""
    rewound: list[ResourceKey] = field(default_factory=list)
    """Resources at or below the ledger's version with other content that changed a case: the
    server went back in time (one warning for all of them)."""

    @property
    def conflicts(self) -> int:
        """Server changes not applied that a person must settle (kept in the ledger)."""
        return sum(len(update.conflicts) for update in self.updates)

    @property
    def warnings(self) -> int:
        """Reported only: resources new on the server, finished records deleted there, and
        cases with changes that are not in the case store."""
        rewound = 1 if self.rewound else 0
        others = len(self.not_stored) + len(self.invalid) + rewound
        return sum(len(u.warnings) for u in self.updates) + others

    @property
    def ok(self) -> bool:
        """No conflicts and no failures (warnings allowed)."""
        return not self.conflicts and not self.failures

    def summary(self) -> dict[str, Any]:
        """Counts only (no patient data), as kept with the run in the ledger."""
        return {
            "since": self.since.isoformat() if self.since else None,
            "watermark": self.watermark.isoformat() if self.watermark else None,
            "strategy": self.strategy,
            "refused": self.refused,
            "not_valid_fhir": self.invalid,
            "entries_read": self.entries_read,
            "changed_resources": self.changed_resources,
            "already_known": self.already_known,
            "unmatched": self.unmatched,
            "cases_updated": sum(1 for u in self.updates if u.changed),
            "conflicts": self.conflicts,
            "warnings": self.warnings,
            "not_stored": len(self.not_stored),
            "failed": len(self.failures),
            "server_went_back": len(self.rewound),
            "first_read": self.first_read,
            "referral_cancellations_answered": len(self.aborts),
            "referral_tasks_changed": len(self.referral_tasks),
        }

    def changes_by_case(self) -> list[dict[str, Any]]:
        """The feed rows of this run per case, in the documented shape (docs/pull.md)."""
        by_case: dict[str, list[dict[str, Any]]] = {}
        for change in self.feed:
            entry = change.to_dict()
            del entry["case_id"]
            by_case.setdefault(change.case_id, []).append(entry)
        return [{"case_id": case, "changes": rows} for case, rows in sorted(by_case.items())]

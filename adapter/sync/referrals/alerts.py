"""Outbound referrals that got no answer: still ``requested`` after N business days.

Gravity leaves the performer to answer (accept or reject) a referral Task; one that stays
``requested`` needs the case manager to call. Business days are Monday to Friday (no holiday
calendar); the clock is a parameter, so a test sets it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from adapter.model.case import Case
from adapter.model.codes import TaskStatus
from adapter.sync.intake import stored_version
from adapter.sync.ledger import Ledger

__all__ = ["Unanswered", "business_days_between", "unanswered", "unanswered_in_store"]


@dataclass(frozen=True, slots=True)
class Unanswered:
    """One referral waiting for its performer (ids only, no patient data)."""

    case_id: str
    task_id: str
    owner_id: str | None
    sent_on: date
    business_days: int

    def json(self) -> dict[str, object]:
        return {
            "case_id": self.case_id,
            "task_id": self.task_id,
            "owner_id": self.owner_id,
            "sent_on": self.sent_on.isoformat(),
            "business_days": self.business_days,
        }


def business_days_between(start: date, end: date) -> int:
    """Weekdays after ``start`` up to and including ``end`` (0 when ``end`` is not later)."""
    if end <= start:
        return 0
    whole_weeks, rest = divmod((end - start).days, 7)
    count = whole_weeks * 5
    for offset in range(1, rest + 1):
        if (start + timedelta(days=whole_weeks * 7 + offset)).weekday() < 5:
            count += 1
    return count


def unanswered(cases: Iterable[Case], *, now: datetime, days: int) -> list[Unanswered]:
    """The referrals (tasks naming a service) still requested ``days`` business days or more
    after they were ordered, oldest first."""
    found = []
    for case in cases:
        for task in case.tasks:
            if task.service is None or task.status is not TaskStatus.REQUESTED:
                continue
            sent = task.created_at.astimezone(now.tzinfo).date()
            waited = business_days_between(sent, now.date())
            if waited >= days:
                found.append(Unanswered(case.id, task.id, task.owner_id, sent, waited))
    return sorted(found, key=lambda u: (u.sent_on, u.case_id, u.task_id))


def unanswered_in_store(ledger: Ledger, *, now: datetime, days: int) -> list[Unanswered]:
    """:func:`unanswered` over the case store (cases that no longer validate are skipped)."""

    def stored() -> Iterable[Case]:
        for case_id in ledger.case_ids():
            found = ledger.get_case(case_id)
            case = stored_version(None if found is None else found.document)
            if case is not None:
                yield case

    return unanswered(stored(), now=now, days=days)

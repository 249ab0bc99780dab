"""Facts read off one case for program evaluation: when the client was first reached, when a
goal was achieved, and the ED visits and admissions the case records.

Each rule is written down in docs/reports.md; every date used is one the case itself holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from adapter.model.case import Case
from adapter.model.codes import ConsentScope, ConsentStatus, GoalAchievement, ScreeningCriterion
from adapter.model.goal import FINAL_ACHIEVEMENTS, Goal

__all__ = [
    "ACHIEVED",
    "NOT_ACHIEVED",
    "GoalTiming",
    "Usage",
    "UsageRecord",
    "first_contact_on",
    "goal_timing",
    "usage_record",
]

ACHIEVED = frozenset({GoalAchievement.ACHIEVED, GoalAchievement.SUSTAINING})
"""Achievement values that count as a goal reached."""

NOT_ACHIEVED = FINAL_ACHIEVEMENTS - ACHIEVED
"""Final achievement values that count as a goal not reached."""


class Usage(StrEnum):
    """Kinds of health-care use a program aims to reduce."""

    ED_VISITS = "ed-visits"
    ADMISSIONS = "admissions"


# A measure counts a kind of use when its name says so ("ED visits in the last 90 days",
# "Readmissions within 30 days"); "ED" only in capitals, so the word "ed" never matches.
_USAGE_MEASURE = {
    Usage.ED_VISITS: re.compile(r"\bED\b|(?i:\bemergency\b)"),
    Usage.ADMISSIONS: re.compile(r"(?i:admission|admitted|hospitali[sz]ation)"),
}
# The screening criterion whose event count is the use before case management.
_USAGE_CRITERION = {
    Usage.ED_VISITS: ScreeningCriterion.HIGH_ED_UTILIZATION,
    Usage.ADMISSIONS: ScreeningCriterion.AVOIDABLE_ADMISSIONS,
}


def first_contact_on(case: Case) -> date | None:
    """The first day the client is known to have been reached: the earliest of a contact or
    outreach note that reached them, their answer to the participation consent (granted,
    declined or withdrawn: each needs the client), and the plan's creation when one of its
    goals was agreed with them. None when the case holds none of these."""
    days = [note.recorded_at.date() for note in case.notes if note.reached]
    days += [
        consent.recorded_on
        for consent in case.consents
        if consent.scope is ConsentScope.PARTICIPATION
        and consent.status is not ConsentStatus.PENDING
    ]
    plan = case.plan
    if plan is not None and any(goal.agreed_with_client for goal in plan.goals):
        days.append(plan.created_on)
    return min(days, default=None)


@dataclass(frozen=True, slots=True)
class GoalTiming:
    """Whether an achieved goal was reached by its due date: ``on_time`` None when unknown
    (no due date, or only a bound on the day it was reached that falls after it)."""

    achieved_on: date | None
    exact: bool
    on_time: bool | None


def goal_timing(goal: Goal, case: Case) -> GoalTiming:
    """When an achieved goal was reached: the earlier of its status date and its first progress
    entry saying achieved or sustaining; failing both, the case's close date is a bound (it was
    reached by then). Compared with the target's due date."""
    exact = [p.recorded_on for p in goal.progress if p.achievement in ACHIEVED]
    if goal.status_date is not None:
        exact.append(goal.status_date)
    day = min(exact, default=None)
    is_exact = day is not None
    if day is None:
        day = case.closed_on
    due = goal.target.due_date if goal.target is not None else None
    if day is None or due is None:
        return GoalTiming(day, is_exact, None)
    if day <= due:
        return GoalTiming(day, is_exact, True)
    return GoalTiming(day, is_exact, False if is_exact else None)


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """One case's recorded use of one kind: ``baseline`` up to the day the case opened (an
    outcome measured then, else the screening count), ``follow_up`` the latest value measured
    after it (an outcome, or progress on a goal whose target measures that use)."""

    baseline: Decimal | None
    follow_up: Decimal | None


def usage_record(case: Case, usage: Usage) -> UsageRecord:
    """The baseline and follow-up values of ``usage`` that ``case`` records."""
    pattern = _USAGE_MEASURE[usage]
    before: list[tuple[date, Decimal]] = []
    after: list[tuple[date, Decimal]] = []
    for outcome in case.outcomes:
        if outcome.value is not None and pattern.search(outcome.measure):
            side = before if outcome.measured_on <= case.opened_on else after
            side.append((outcome.measured_on, outcome.value))
    for goal in case.plan.goals if case.plan is not None else ():
        measure = goal.target.measure if goal.target is not None else None
        if measure is None or not pattern.search(measure):
            continue
        after += [(p.recorded_on, p.value) for p in goal.progress if p.value is not None]
    baseline = max(before, key=lambda item: item[0])[1] if before else _screened(case, usage)
    follow_up = max(after, key=lambda item: item[0])[1] if after else None
    return UsageRecord(baseline, follow_up)


def _screened(case: Case, usage: Usage) -> Decimal | None:
    if case.screening is None:
        return None
    for result in case.screening.criteria:
        if result.criterion is _USAGE_CRITERION[usage] and result.count is not None:
            return Decimal(result.count)
    return None

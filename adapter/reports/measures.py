"""Program evaluation measures: per program and period, computed from cases (pure; no I/O).

The *cohort* of a period is every case open at some time in it (opened on or before its end,
not closed or cancelled before its start). Cases opened, closed (by closure reason) and
cancelled count the events whose date falls in the period; cases open at the end are the
cohort's cases not closed or cancelled by then. Goals, tasks, the days from referral to first
contact and to the plan, recorded ED visits and admissions, the Standard O domains and the
financial results of tasks (per currency) describe the cohort's cases as they are recorded.
Rules for each: docs/reports.md.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from statistics import median

from adapter.model.case import Case
from adapter.model.codes import (
    CaseStatus,
    ClosureReason,
    GoalLifecycle,
    OutcomeDomain,
    ProgramType,
    TaskStatus,
)
from adapter.reports.domains import DomainCounts, domain_counts
from adapter.reports.facts import (
    ACHIEVED,
    NOT_ACHIEVED,
    Usage,
    first_contact_on,
    goal_timing,
    usage_record,
)
from adapter.reports.financial import CurrencyTotals, financial_totals
from adapter.reports.period import ReportPeriod

__all__ = [
    "CaseFlow",
    "DayStats",
    "GoalCounts",
    "ProgramMeasures",
    "UsageCounts",
    "program_measures",
]


@dataclass(frozen=True, slots=True)
class CaseFlow:
    """Cases in the cohort, and the cases opened, closed and cancelled in the period."""

    cohort: int
    opened: int
    closed: dict[ClosureReason, int]
    cancelled: int
    open_at_end: int

    @property
    def closed_total(self) -> int:
        return sum(self.closed.values())


@dataclass(frozen=True, slots=True)
class GoalCounts:
    """Goals of the cohort's plans: ``achieved`` splits into on time, late and timing unknown."""

    goals: int
    achieved: int
    achieved_on_time: int
    achieved_late: int
    not_achieved: int
    cancelled: int
    open: int

    @property
    def achieved_timing_unknown(self) -> int:
        return self.achieved - self.achieved_on_time - self.achieved_late


@dataclass(frozen=True, slots=True)
class DayStats:
    """Days from one event to another over the cases where both are recorded."""

    cases: int
    median: float | None
    mean: float | None
    minimum: int | None
    maximum: int | None

    @classmethod
    def of(cls, days: Sequence[int]) -> DayStats:
        if not days:
            return cls(0, None, None, None, None)
        average = Decimal(sum(days)) / len(days)
        rounded = float(average.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
        return cls(len(days), float(median(days)), rounded, min(days), max(days))


@dataclass(frozen=True, slots=True)
class UsageCounts:
    """Recorded use of one kind: baseline and follow-up totals, and the cases with both."""

    baseline_cases: int
    baseline_total: Decimal
    follow_up_cases: int
    follow_up_total: Decimal
    paired_cases: int
    paired_baseline: Decimal
    paired_follow_up: Decimal


@dataclass(frozen=True, slots=True)
class ProgramMeasures:
    """Every measure for one program (``program`` None: all programs together)."""

    program: ProgramType | None
    flow: CaseFlow
    goals: GoalCounts
    tasks: dict[TaskStatus, int]
    referral_to_first_contact: DayStats
    referral_to_plan: DayStats
    usage: dict[Usage, UsageCounts]
    domains: dict[OutcomeDomain, DomainCounts]
    financial: tuple[CurrencyTotals, ...]


def in_cohort(case: Case, period: ReportPeriod) -> bool:
    """Whether ``case`` was open at some time in ``period``."""
    return period.overlaps(case.opened_on, case.closed_on)


def program_measures(
    cases: Iterable[Case], *, period: ReportPeriod, program: ProgramType | None
) -> ProgramMeasures:
    """The measures of ``program`` (None: every program) over ``cases`` in ``period``."""
    cohort = [
        case
        for case in cases
        if in_cohort(case, period) and (program is None or case.program is program)
    ]
    contact = [_days(c, first_contact_on(c)) for c in cohort]
    plan = [_days(c, c.plan.created_on if c.plan else None) for c in cohort]
    return ProgramMeasures(
        program=program,
        flow=_flow(cohort, period),
        goals=_goals(cohort),
        tasks=_tasks(cohort),
        referral_to_first_contact=DayStats.of([d for d in contact if d is not None]),
        referral_to_plan=DayStats.of([d for d in plan if d is not None]),
        usage={usage: _usage(cohort, usage) for usage in Usage},
        domains=domain_counts(cohort),
        financial=financial_totals(cohort),
    )


def _days(case: Case, day: date | None) -> int | None:
    return None if day is None else (day - case.referral.received_on).days


def _flow(cohort: Sequence[Case], period: ReportPeriod) -> CaseFlow:
    closed = Counter(
        c.closure_reason
        for c in cohort
        if c.status is CaseStatus.CLOSED and c.closure_reason and period.contains(c.closed_on)
    )
    return CaseFlow(
        cohort=len(cohort),
        opened=sum(1 for c in cohort if period.contains(c.opened_on)),
        closed={reason: closed[reason] for reason in ClosureReason},
        cancelled=sum(
            1 for c in cohort if c.status is CaseStatus.CANCELLED and period.contains(c.closed_on)
        ),
        open_at_end=sum(1 for c in cohort if not period.ended_by_end(c.closed_on)),
    )


def _goals(cohort: Sequence[Case]) -> GoalCounts:
    goals = [(case, goal) for case in cohort if case.plan for goal in case.plan.goals]
    achieved = [(c, g) for c, g in goals if g.achievement in ACHIEVED]
    timing = [goal_timing(g, c).on_time for c, g in achieved]
    not_achieved = sum(1 for _, g in goals if g.achievement in NOT_ACHIEVED)
    cancelled = sum(
        1
        for _, g in goals
        if g.lifecycle is GoalLifecycle.CANCELLED and g.achievement not in ACHIEVED | NOT_ACHIEVED
    )
    return GoalCounts(
        goals=len(goals),
        achieved=len(achieved),
        achieved_on_time=timing.count(True),
        achieved_late=timing.count(False),
        not_achieved=not_achieved,
        cancelled=cancelled,
        open=len(goals) - len(achieved) - not_achieved - cancelled,
    )


def _tasks(cohort: Sequence[Case]) -> dict[TaskStatus, int]:
    counted = Counter(task.status for case in cohort for task in case.tasks)
    return {status: counted[status] for status in TaskStatus}


def _usage(cohort: Sequence[Case], usage: Usage) -> UsageCounts:
    records = [usage_record(case, usage) for case in cohort]
    baseline = [r.baseline for r in records if r.baseline is not None]
    follow_up = [r.follow_up for r in records if r.follow_up is not None]
    paired = [
        (r.baseline, r.follow_up)
        for r in records
        if r.baseline is not None and r.follow_up is not None
    ]
    return UsageCounts(
        baseline_cases=len(baseline),
        baseline_total=sum(baseline, Decimal(0)),
        follow_up_cases=len(follow_up),
        follow_up_total=sum(follow_up, Decimal(0)),
        paired_cases=len(paired),
        paired_baseline=sum((b for b, _ in paired), Decimal(0)),
        paired_follow_up=sum((f for _, f in paired), Decimal(0)),
    )

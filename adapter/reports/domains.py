"""Standard O outcome domains: what was measured, and whether repeated measures moved the
right way.

A *series* is one measure (by name) measured more than once with a value in one case. Its
direction comes from the goal it is linked to (``goal_id`` on any of its measurements): a
target ``lt``/``le`` wants less, ``gt``/``ge`` wants more, ``eq`` (or no comparator) wants to
come closer to the target value. A series with no such goal counts as repeated only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from adapter.model.case import Case
from adapter.model.codes import Comparator, OutcomeDomain
from adapter.model.goal import GoalTarget
from adapter.model.outcome import OutcomeMeasurement

__all__ = ["DomainCounts", "domain_counts"]

_LESS = frozenset({Comparator.LT, Comparator.LE})
_MORE = frozenset({Comparator.GT, Comparator.GE})


@dataclass(frozen=True, slots=True)
class DomainCounts:
    """One Standard O domain over a set of cases."""

    measurements: int = 0
    cases: int = 0
    repeated: int = 0
    improved: int = 0
    worsened: int = 0

    def __add__(self, other: DomainCounts) -> DomainCounts:
        return DomainCounts(
            self.measurements + other.measurements,
            self.cases + other.cases,
            self.repeated + other.repeated,
            self.improved + other.improved,
            self.worsened + other.worsened,
        )


def domain_counts(cases: Iterable[Case]) -> dict[OutcomeDomain, DomainCounts]:
    """Every domain (zeros included), summed over ``cases``."""
    totals = {domain: DomainCounts() for domain in OutcomeDomain}
    for case in cases:
        for domain, counts in _of_case(case).items():
            totals[domain] = totals[domain] + counts
    return totals


def _of_case(case: Case) -> dict[OutcomeDomain, DomainCounts]:
    by_domain: dict[OutcomeDomain, list[OutcomeMeasurement]] = defaultdict(list)
    for outcome in case.outcomes:
        by_domain[outcome.domain].append(outcome)
    targets = {
        goal.id: goal.target for goal in (case.plan.goals if case.plan else ()) if goal.target
    }
    counts: dict[OutcomeDomain, DomainCounts] = {}
    for domain, measured in by_domain.items():
        series: dict[str, list[OutcomeMeasurement]] = defaultdict(list)
        for outcome in measured:
            if outcome.value is not None:
                series[outcome.measure].append(outcome)
        repeated = [sorted(s, key=lambda o: o.measured_on) for s in series.values() if len(s) > 1]
        moves = [_move(s, targets) for s in repeated]
        counts[domain] = DomainCounts(
            measurements=len(measured),
            cases=1,
            repeated=len(repeated),
            improved=moves.count(1),
            worsened=moves.count(-1),
        )
    return counts


def _move(series: list[OutcomeMeasurement], targets: dict[str, GoalTarget]) -> int:
    """+1 improved, -1 worsened, 0 unchanged or no direction known."""
    goal_ids = [o.goal_id for o in reversed(series) if o.goal_id is not None]
    linked = [targets[goal_id] for goal_id in goal_ids if goal_id in targets]
    target = next((t for t in linked if t.value is not None), None)
    first, last = series[0].value, series[-1].value
    if target is None or first is None or last is None or first == last:
        return 0
    if target.comparator in _LESS:
        return 1 if last < first else -1
    if target.comparator in _MORE:
        return 1 if last > first else -1
    goal = target.value if target.value is not None else Decimal(0)
    before, now = abs(first - goal), abs(last - goal)
    return 0 if before == now else (1 if now < before else -1)

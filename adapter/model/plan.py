"""The plan of care: its status, period, revision history and goals."""

from __future__ import annotations

from datetime import date

from pydantic import Field, PositiveInt, model_validator

from adapter.model.base import (
    FieldRuleError,
    Id,
    Name,
    Period,
    Record,
    ShortText,
    Text,
    process_rule,
    require_order,
    require_unique,
)
from adapter.model.codes import GoalLifecycle, PlanStatus
from adapter.model.goal import Goal

__all__ = ["CLOSED_GOAL_LIFECYCLES", "PlanOfCare", "PlanRevision"]

CLOSED_GOAL_LIFECYCLES = frozenset({GoalLifecycle.COMPLETED, GoalLifecycle.CANCELLED})
"""Goal states in which nobody works on the goal any more."""


class PlanRevision(Record):
    """One revision of the plan of care: when, why and by whom it was changed.

    Revisions are numbered 1, 2, 3, ... in order; the plan as held is the latest revision.
    """

    number: PositiveInt
    revised_on: date
    reason: ShortText
    summary: Text | None = None
    author_id: Id | None = None


class PlanOfCare(Record):
    """The client's plan of care with the goals agreed with them.

    ``period`` is the time the plan covers; ``revisions`` is the append-only history of
    changes since it was first agreed (empty for a plan never revised).
    """

    id: Id
    title: Name
    status: PlanStatus
    created_on: date
    period: Period | None = None
    author_id: Id | None = None
    goals: tuple[Goal, ...] = Field(default=(), max_length=200)
    revisions: tuple[PlanRevision, ...] = Field(default=(), max_length=500)
    note: Text | None = None

    @model_validator(mode="after")
    @process_rule
    def _consistent(self) -> PlanOfCare:
        require_unique((g.id for g in self.goals), field="goals")
        previous = self.created_on
        for index, revision in enumerate(self.revisions):
            if revision.number != index + 1:
                raise FieldRuleError(
                    f"revisions[{index}].number",
                    f"revisions are numbered 1, 2, 3, ...; expected {index + 1}",
                )
            where = f"revisions[{index}].revised_on"
            require_order(previous, revision.revised_on, field=where, what="revision")
            previous = revision.revised_on
        if self.status in (PlanStatus.COMPLETED, PlanStatus.REVOKED):
            for index, goal in enumerate(self.goals):
                if goal.lifecycle not in CLOSED_GOAL_LIFECYCLES:
                    raise FieldRuleError(
                        f"goals[{index}].lifecycle",
                        f"a {self.status.value} plan cannot hold a {goal.lifecycle.value} goal",
                    )
        return self

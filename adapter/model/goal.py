"""Goals agreed with the client, their targets and recorded progress."""

from __future__ import annotations

from datetime import date

from pydantic import Field, model_validator

from adapter.model.base import (
    Amount,
    FieldRuleError,
    Id,
    Name,
    Record,
    ShortText,
    Text,
    process_rule,
    require_order,
    require_unique,
)
from adapter.model.codes import (
    Comparator,
    GoalAchievement,
    GoalCategory,
    GoalLifecycle,
    GoalPriority,
)

__all__ = ["FINAL_ACHIEVEMENTS", "Goal", "GoalProgress", "GoalTarget"]

FINAL_ACHIEVEMENTS = frozenset(
    {
        GoalAchievement.ACHIEVED,
        GoalAchievement.SUSTAINING,
        GoalAchievement.NOT_ACHIEVED,
        GoalAchievement.NO_PROGRESS,
        GoalAchievement.NOT_ATTAINABLE,
    }
)
"""Achievement values that state a result (achieved or not) rather than a trend."""


class GoalTarget(Record):
    """What counts as reaching a goal, and by when.

    ``measure`` names what is measured (``HbA1c``, ``ED visits per quarter``); the target is
    either a number (``value`` with ``comparator`` and ``unit``) or words (``text``).
    """

    measure: Name | None = None
    value: Amount | None = None
    comparator: Comparator | None = None
    unit: Name | None = None
    text: ShortText | None = None
    due_date: date | None = None

    @model_validator(mode="after")
    @process_rule
    def _consistent(self) -> GoalTarget:
        if self.value is not None and self.text is not None:
            raise FieldRuleError("text", "give the target as a value or as text, not both")
        if self.value is None and (self.unit is not None or self.comparator is not None):
            field = "unit" if self.unit is not None else "comparator"
            raise FieldRuleError(field, f"{field} needs a target value")
        if self.measure is None and (self.value is not None or self.text is not None):
            raise FieldRuleError("measure", "a target value or text needs a measure")
        if self.measure is None and self.due_date is None:
            raise FieldRuleError("measure", "a target needs a measure or a due date")
        return self


class GoalProgress(Record):
    """One progress entry on a goal: the state seen on a date, and the measured value if any."""

    id: Id
    recorded_on: date
    achievement: GoalAchievement | None = None
    value: Amount | None = None
    unit: Name | None = None
    note: ShortText | None = None
    author_id: Id | None = None

    @model_validator(mode="after")
    @process_rule
    def _consistent(self) -> GoalProgress:
        if self.unit is not None and self.value is None:
            raise FieldRuleError("unit", "unit needs a value")
        if self.achievement is None and self.value is None and self.note is None:
            raise FieldRuleError("achievement", "progress needs an achievement, value or note")
        return self


class Goal(Record):
    """A goal of the plan of care, agreed with the client.

    ``lifecycle`` is where the goal is in its workflow; ``achievement`` how far it has been
    reached. ``agreed_with_client`` records that the client took part in setting it (shared
    decision). ``need_ids`` link the needs it addresses; ``progress`` is the monitoring record.
    """

    id: Id
    description: ShortText
    category: GoalCategory | None = None
    priority: GoalPriority | None = None
    lifecycle: GoalLifecycle
    achievement: GoalAchievement | None = None
    start_date: date | None = None
    target: GoalTarget | None = None
    status_date: date | None = None
    status_reason: ShortText | None = None
    agreed_with_client: bool = False
    need_ids: tuple[Id, ...] = Field(default=(), max_length=50)
    progress: tuple[GoalProgress, ...] = Field(default=(), max_length=200)
    note: Text | None = None

    @model_validator(mode="after")
    @process_rule
    def _consistent(self) -> Goal:
        if self.lifecycle is GoalLifecycle.COMPLETED and self.achievement not in FINAL_ACHIEVEMENTS:
            raise FieldRuleError(
                "achievement",
                "a completed goal needs a final achievement (achieved, sustaining, "
                "not-achieved, no-progress or not-attainable)",
            )
        due = self.target.due_date if self.target is not None else None
        require_order(self.start_date, due, field="target.due_date", what="due date")
        require_unique(self.need_ids, field="need_ids", attr="")
        require_unique((p.id for p in self.progress), field="progress")
        return self

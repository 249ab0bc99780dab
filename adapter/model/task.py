"""Interventions and coordination tasks of a case."""

from __future__ import annotations

from pydantic import AwareDatetime, Field, model_validator

from adapter.model.base import (
    FieldRuleError,
    Id,
    Name,
    Period,
    Record,
    ShortText,
    Text,
    process_rule,
    require_unique,
)
from adapter.model.codes import InterventionType, TaskPriority, TaskStatus

__all__ = ["OPEN_TASK_STATUSES", "Task"]

OPEN_TASK_STATUSES = frozenset(
    {
        TaskStatus.DRAFT,
        TaskStatus.REQUESTED,
        TaskStatus.ACCEPTED,
        TaskStatus.IN_PROGRESS,
        TaskStatus.ON_HOLD,
    }
)
"""Statuses in which a task still needs someone to act (the others are terminal)."""

_NOT_STARTED = frozenset({TaskStatus.DRAFT, TaskStatus.REQUESTED, TaskStatus.ACCEPTED})


class Task(Record):
    """An intervention or coordination task: a referral, a service to arrange, a benefits
    check, education, a follow-up, a transition of care or an outreach attempt.

    ``owner_id`` is the care team member (person or organization) who does it; for a referral
    to an external service the owner is the receiving organization and ``service`` names what
    was asked for. ``due`` is the window in which it should be done; ``outcome`` what came of it.
    """

    id: Id
    type: InterventionType
    title: Name
    description: Text | None = None
    status: TaskStatus
    status_reason: ShortText | None = None
    priority: TaskPriority = TaskPriority.ROUTINE
    owner_id: Id | None = None
    service: Name | None = None
    goal_ids: tuple[Id, ...] = Field(default=(), max_length=50)
    created_at: AwareDatetime
    due: Period | None = None
    outcome: Text | None = None

    @model_validator(mode="after")
    @process_rule
    def _consistent(self) -> Task:
        require_unique(self.goal_ids, field="goal_ids", attr="")
        if self.outcome is not None and self.status in _NOT_STARTED:
            raise FieldRuleError("outcome", f"a {self.status.value} task has no outcome yet")
        return self

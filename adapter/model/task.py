"""Interventions and coordination tasks of a case."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import pairwise
from typing import Annotated

from pydantic import AwareDatetime, Field, StringConstraints, model_validator

from adapter.model.base import (
    Amount,
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
from adapter.model.codes import InterventionType, TaskPriority, TaskStatus

__all__ = ["OPEN_TASK_STATUSES", "FinancialResult", "OwnerAssignment", "Task"]

Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
"""An ISO 4217 currency code (``USD``)."""

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


class OwnerAssignment(Record):
    """Who owned a task from when to when: ``owner_id`` a care team member, ``to`` open while
    they still own it."""

    owner_id: Id
    start: date = Field(alias="from")
    end: date | None = Field(default=None, alias="to")

    model_config = Record.model_config | {"populate_by_name": True, "serialize_by_alias": True}

    @model_validator(mode="after")
    def _ordered(self) -> OwnerAssignment:
        require_order(self.start, self.end, field="to", what="end of ownership")
        return self


class FinancialResult(Record):
    """What a rate negotiation or a coverage exception came to, in one currency: the amount
    billed, the amount negotiated (agreed or covered) and the savings (billed - negotiated)."""

    currency: Currency
    billed: Amount = Field(ge=0)
    negotiated: Amount = Field(ge=0)
    savings: Amount | None = None

    @model_validator(mode="after")
    def _consistent(self) -> FinancialResult:
        if self.savings is not None and self.savings != self.billed - self.negotiated:
            raise FieldRuleError("savings", "savings must be billed minus negotiated")
        return self

    @property
    def computed_savings(self) -> Decimal:
        return self.billed - self.negotiated


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
    owner_history: tuple[OwnerAssignment, ...] = Field(default=(), max_length=100)
    financial: FinancialResult | None = None

    @model_validator(mode="after")
    @process_rule
    def _consistent(self) -> Task:
        require_unique(self.goal_ids, field="goal_ids", attr="")
        if self.outcome is not None and self.status in _NOT_STARTED:
            raise FieldRuleError("outcome", f"a {self.status.value} task has no outcome yet")
        if self.financial is not None and self.status in _NOT_STARTED:
            raise FieldRuleError("financial", f"a {self.status.value} task has no result yet")
        self._check_owner_history()
        return self

    def _check_owner_history(self) -> None:
        history = self.owner_history
        for index, (before, after) in enumerate(pairwise(history)):
            if before.end is None:
                raise FieldRuleError(
                    f"owner_history[{index}].to", "only the last owner may still hold the task"
                )
            require_order(
                before.end,
                after.start,
                field=f"owner_history[{index + 1}].from",
                what="start of ownership",
            )
        if history and history[-1].end is None and history[-1].owner_id != self.owner_id:
            raise FieldRuleError(
                f"owner_history[{len(history) - 1}].owner_id",
                "the owner still holding the task must be the task's owner_id",
            )

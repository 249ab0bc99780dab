"""Needs and problems identified for the client."""

from __future__ import annotations

from datetime import date

from pydantic import model_validator

from adapter.model.base import (
    FieldRuleError,
    Id,
    Record,
    ShortText,
    Text,
    process_rule,
    require_order,
)
from adapter.model.codes import AssessmentDomain, NeedKind, NeedStatus

__all__ = ["Need"]


class Need(Record):
    """A problem or need the case addresses (e.g. "no transport to dialysis").

    ``assessment_id`` is the assessment that identified it, when there is one.
    """

    id: Id
    kind: NeedKind
    domain: AssessmentDomain
    description: ShortText
    status: NeedStatus
    identified_on: date
    resolved_on: date | None = None
    assessment_id: Id | None = None
    note: Text | None = None

    @model_validator(mode="after")
    @process_rule
    def _consistent(self) -> Need:
        if self.resolved_on is not None and self.status is not NeedStatus.RESOLVED:
            raise FieldRuleError("resolved_on", "only a resolved need has a resolution date")
        require_order(self.identified_on, self.resolved_on, field="resolved_on", what="resolved")
        return self

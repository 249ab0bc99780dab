"""Outcome measurements in the CMSA Standard O domains."""

from __future__ import annotations

from datetime import date

from pydantic import model_validator

from adapter.model.base import Amount, FieldRuleError, Id, Name, Record, ShortText, process_rule
from adapter.model.codes import OutcomeDomain

__all__ = ["OutcomeMeasurement"]


class OutcomeMeasurement(Record):
    """One measured outcome (ED visits in 90 days, PHQ-9 score, satisfaction rating, ...).

    The result is a number (``value`` and ``unit``) or words (``text``), exactly one of them.
    ``goal_id`` links the goal it measures, when there is one.
    """

    id: Id
    domain: OutcomeDomain
    measure: Name
    measured_on: date
    value: Amount | None = None
    unit: Name | None = None
    text: ShortText | None = None
    goal_id: Id | None = None

    @model_validator(mode="after")
    @process_rule
    def _consistent(self) -> OutcomeMeasurement:
        if (self.value is None) == (self.text is None):
            raise FieldRuleError("value", "give the result as a value or as text (exactly one)")
        if self.unit is not None and self.value is None:
            raise FieldRuleError("unit", "unit needs a value")
        return self

"""Screening of a referred client against the CMSA client-selection criteria."""

from __future__ import annotations

from datetime import date

from pydantic import Field, NonNegativeInt, model_validator

from adapter.model.base import Id, Record, ShortText, Text, process_rule, require_unique
from adapter.model.codes import Acuity, ScreeningCriterion

__all__ = ["CriterionResult", "Screening"]


class CriterionResult(Record):
    """A selection criterion the client meets.

    ``count`` is the number of events behind it when the criterion counts something (ED visits,
    admissions over the look-back period); ``evidence`` says where it came from.
    """

    criterion: ScreeningCriterion
    count: NonNegativeInt | None = None
    evidence: ShortText | None = None


class Screening(Record):
    """The result of screening: the criteria met and the acuity decided.

    ``criteria`` lists only the criteria that are met; each appears at most once.
    """

    screened_on: date
    screener_id: Id | None = None
    acuity: Acuity
    criteria: tuple[CriterionResult, ...] = Field(default=(), max_length=13)
    note: Text | None = None

    @model_validator(mode="after")
    @process_rule
    def _consistent(self) -> Screening:
        require_unique((c.criterion for c in self.criteria), field="criteria", attr="criterion")
        return self

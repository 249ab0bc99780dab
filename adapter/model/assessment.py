"""Holistic assessment of the client: findings per domain and standardised instrument scores."""

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
    require_unique,
)
from adapter.model.codes import AssessmentDomain, AssessmentKind, AssessmentStatus

__all__ = ["Assessment", "Finding", "InstrumentScore"]


class Finding(Record):
    """What the case manager found in one assessment domain."""

    domain: AssessmentDomain
    text: Text


class InstrumentScore(Record):
    """The score of a standardised instrument (PHQ-9, PRAPARE, a functional scale, ...).

    ``instrument`` is the instrument's short name or code as the source system knows it.
    """

    id: Id
    instrument: Name
    score: Amount
    interpretation: ShortText | None = None


class Assessment(Record):
    """One assessment of the client (the initial one or a re-assessment).

    ``assessor_id`` is the id of a care team member of the case. ``strengths`` records the
    client's strengths and ``self_management`` the capacity to manage their own care, both in
    the case manager's words.
    """

    id: Id
    kind: AssessmentKind
    status: AssessmentStatus
    performed_on: date
    assessor_id: Id | None = None
    domains: tuple[AssessmentDomain, ...] = Field(min_length=1, max_length=6)
    findings: tuple[Finding, ...] = Field(default=(), max_length=100)
    scores: tuple[InstrumentScore, ...] = Field(default=(), max_length=50)
    strengths: Text | None = None
    self_management: Text | None = None
    summary: Text | None = None

    @model_validator(mode="after")
    @process_rule
    def _consistent(self) -> Assessment:
        require_unique(self.domains, field="domains", attr="")
        require_unique((s.id for s in self.scores), field="scores")
        covered = set(self.domains)
        for index, finding in enumerate(self.findings):
            if finding.domain not in covered:
                raise FieldRuleError(
                    f"findings[{index}].domain",
                    f"domain {finding.domain.value!r} is not among the assessment's domains",
                )
        return self

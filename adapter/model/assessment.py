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
    SystemUri,
    Text,
    process_rule,
    require_unique,
)
from adapter.model.codes import AssessmentDomain, AssessmentKind, AssessmentStatus

__all__ = ["Assessment", "CodedAnswer", "Finding", "InstrumentScore"]


class Finding(Record):
    """What the case manager found in one assessment domain."""

    domain: AssessmentDomain
    text: Text


class CodedAnswer(Record):
    """An answer from an instrument's answer list, coded: ``system`` the code system (LOINC
    answer codes ``LA...`` for PRAPARE and C-SSRS, ``http://loinc.org``). An answer in words
    only is a ``text`` result."""

    system: SystemUri
    code: Name
    display: Name | None = None


class InstrumentScore(Record):
    """The result of a standardised instrument (PHQ-9, PRAPARE, C-SSRS, a functional scale):
    a numeric ``score``, a categorical ``answer`` (C-SSRS "yes", a PRAPARE answer code) or a
    ``text`` answer, exactly one of them.

    ``instrument`` is the instrument's short name or code (an item: ``C-SSRS Q2``) as the
    source system knows it.
    """

    id: Id
    instrument: Name
    score: Amount | None = None
    answer: CodedAnswer | None = None
    text: ShortText | None = None
    interpretation: ShortText | None = None

    @model_validator(mode="after")
    def _one_result(self) -> InstrumentScore:
        given = [v for v in (self.score, self.answer, self.text) if v is not None]
        if len(given) != 1:
            raise FieldRuleError("score", "give exactly one of score, answer and text")
        return self


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

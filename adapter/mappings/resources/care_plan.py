"""Plan of care <-> CarePlan. Revisions are Provenance resources (:mod:`.provenance`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from adapter.canonical import profile
from adapter.mappings.context import Index, Refs
from adapter.mappings.datatypes import (
    Json,
    annotation,
    codeable_concept,
    compact,
    fhir_date,
    parse_date,
    period,
    required,
    texts,
)
from adapter.mappings.extensions import WORKFLOW_EPISODE
from adapter.mappings.terminology import table
from adapter.model.base import Period
from adapter.model.case import Case
from adapter.model.codes import PlanStatus
from adapter.model.goal import Goal
from adapter.model.plan import PlanOfCare, PlanRevision

__all__ = ["ASSESS_PLAN", "CARE_PLAN_SCT", "from_fhir", "to_fhir"]

ASSESS_PLAN = {
    "system": "http://hl7.org/fhir/us/core/CodeSystem/careplan-category",
    "code": "assess-plan",
    "display": "Assessment and Plan of Treatment",
}
CARE_PLAN_SCT = {"system": "http://snomed.info/sct", "code": "734163000", "display": "Care plan"}


def to_fhir(plan: PlanOfCare, *, case: Case) -> Json:
    """The CarePlan of a case's plan of care; activities reference the case's Tasks."""
    refs = Refs.of(case)
    return compact(
        {
            "resourceType": "CarePlan",
            "id": refs.id("careplan", plan.id),
            "meta": {"profile": [profile("cm-careplan")]},
            "extension": [{"url": WORKFLOW_EPISODE, "valueReference": refs.episode()}],
            "identifier": [refs.identifier("careplan", plan.id)],
            "status": table("plan-status").to_fhir(plan.status).code,
            "intent": "plan",  # a case-management plan is always the plan itself (US Core)
            # US Core's mandatory assess-plan slice, plus the SNOMED CT record-artifact code.
            "category": [codeable_concept(ASSESS_PLAN), codeable_concept(CARE_PLAN_SCT)],
            "title": plan.title,
            "subject": refs.patient(),
            "period": _period(plan.period),
            "created": fhir_date(plan.created_on),
            "author": refs.member(plan.author_id),
            "careTeam": [refs.care_team()] if case.care_team else [],
            "addresses": [refs.record("Condition", "need", n.id) for n in case.needs],
            "goal": [refs.record("Goal", "goal", g.id) for g in plan.goals],
            "activity": [{"reference": refs.record("Task", "task", t.id)} for t in case.tasks],
            "note": [annotation(plan.note)] if plan.note else [],
        }
    )


def _period(value: Period | None) -> Json | None:
    if value is None:
        return None
    return period(fhir_date(value.start), fhir_date(value.end))


def from_fhir(
    careplan: Mapping[str, Any],
    *,
    index: Index,
    goals: Sequence[Goal] = (),
    revisions: Sequence[PlanRevision] = (),
) -> PlanOfCare:
    """The plan of care behind a CarePlan, with its goals and revisions already mapped.

    Foreign CarePlans: ``title`` defaults to ``description`` or "Plan of care"; ``created``
    defaults to ``period.start``; ``activity.detail`` entries are not tasks of the case and are
    ignored with a warning (the adapter writes activities as Task references only).
    """
    where = f"CarePlan/{careplan.get('id')}"
    if any("detail" in activity for activity in careplan.get("activity", [])):
        index.warn(careplan, "activity.detail entries are not imported")
    span = careplan.get("period") or {}
    created = careplan.get("created") or span.get("start")
    status = table("plan-status").from_fhir(
        str(careplan.get("status")), resource=where, element="CarePlan.status"
    )
    plan_period = None
    if span.get("start") or span.get("end"):
        plan_period = Period(
            start=parse_date(span.get("start"), where="CarePlan.period.start"),
            end=parse_date(span.get("end"), where="CarePlan.period.end"),
        )
    return PlanOfCare(
        id=index.lookup({"reference": where}, "CarePlan", where=where) or str(careplan.get("id")),
        title=careplan.get("title") or careplan.get("description") or "Plan of care",
        status=PlanStatus(status),
        created_on=required(
            parse_date(created, where="CarePlan.created"),
            resource=where,
            element="CarePlan.created",
        ),
        period=plan_period,
        author_id=index.lookup_any(careplan.get("author"), where="CarePlan.author"),
        goals=tuple(goals),
        revisions=tuple(revisions),
        note="\n\n".join(texts(careplan.get("note", []))) or None,
    )

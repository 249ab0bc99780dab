"""Plan revision <-> Provenance (target = the CarePlan), and the closure Provenance of a case.

R4 Provenance has no ``identifier`` element, so a revision is found by its deterministic id and
its number rides in the ``plan-revision-number`` extension.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapter.mappings.context import Index, Refs
from adapter.mappings.datatypes import Json, compact, find_extension, parse_date, required
from adapter.mappings.extensions import PLAN_REVISION_NUMBER
from adapter.mappings.terminology import table
from adapter.model.case import Case
from adapter.model.plan import PlanOfCare, PlanRevision

__all__ = ["closure_to_fhir", "from_fhir", "to_fhir"]

_OPERATION = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"
_PARTICIPANT = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
_UNRECORDED = {"display": "not recorded"}  # agent.who is 1..1; the model may not know the author


def _recorded(day: Any) -> str:
    # Provenance.recorded is an instant; the model keeps dates, so the revision day at 00:00 UTC.
    return f"{day.isoformat()}T00:00:00+00:00"


def to_fhir(revision: PlanRevision, *, plan: PlanOfCare, case: Case) -> Json:
    """The Provenance of one revision of the case's plan of care."""
    refs = Refs.of(case)
    operation = {"system": _OPERATION, "code": "UPDATE", "display": "revise"}
    return compact(
        {
            "resourceType": "Provenance",
            "id": refs.id("plan-revision", plan.id, str(revision.number)),
            "extension": [{"url": PLAN_REVISION_NUMBER, "valuePositiveInt": revision.number}],
            "target": [refs.record("CarePlan", "careplan", plan.id)],
            "recorded": _recorded(revision.revised_on),
            "reason": [{"text": revision.reason}],
            "activity": compact({"coding": [operation], "text": revision.summary}),
            "agent": [_agent(refs, revision.author_id)],
        }
    )


def _agent(refs: Refs, member_id: str | None) -> Json:
    role = {"system": _PARTICIPANT, "code": "author", "display": "Author"}
    return {"type": {"coding": [role]}, "who": refs.member(member_id) or _UNRECORDED}


def closure_to_fhir(case: Case) -> Json | None:
    """The Provenance recording a case's closure (derived: the EpisodeOfCare holds the facts)."""
    if case.closed_on is None:
        return None
    refs = Refs.of(case)
    reason = None
    if case.closure_reason is not None:
        reason = {"coding": [table("case-closure-reason").to_fhir(case.closure_reason).coding()]}
    return compact(
        {
            "resourceType": "Provenance",
            "id": refs.id("case-closure"),
            "target": [refs.episode()],
            "recorded": _recorded(case.closed_on),
            "reason": [reason] if reason else [],
            "activity": {"coding": [{"system": _OPERATION, "code": "UPDATE", "display": "close"}]},
            "agent": [_agent(refs, case.case_manager_id)],
        }
    )


def from_fhir(provenance: Mapping[str, Any], *, index: Index) -> PlanRevision:
    """The plan revision behind a Provenance written by :func:`to_fhir`."""
    where = f"Provenance/{provenance.get('id')}"
    number = required(
        (find_extension(provenance, PLAN_REVISION_NUMBER) or {}).get("valuePositiveInt"),
        resource=where,
        element="extension[plan-revision-number]",
    )
    who = (provenance.get("agent") or [{}])[0].get("who")
    return PlanRevision(
        number=number,
        revised_on=required(
            parse_date(provenance.get("recorded"), where="Provenance.recorded"),
            resource=where,
            element="Provenance.recorded",
        ),
        reason=str(((provenance.get("reason") or [{}])[0]).get("text") or "not recorded"),
        summary=(provenance.get("activity") or {}).get("text"),
        author_id=index.lookup_any(who, where="Provenance.agent.who"),
    )

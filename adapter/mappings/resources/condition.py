"""Need <-> Condition (problem-list-item for problems, US Core health-concern for needs)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapter.mappings.context import Index, Refs
from adapter.mappings.datatypes import (
    Json,
    annotation,
    codeable_concept,
    compact,
    fhir_date,
    find_coding,
    parse_date,
    required,
    texts,
)
from adapter.mappings.extensions import WORKFLOW_EPISODE
from adapter.mappings.terminology import table
from adapter.model.case import Case
from adapter.model.codes import AssessmentDomain, NeedKind, NeedStatus
from adapter.model.need import Need

__all__ = ["from_fhir", "to_fhir"]

_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"


def to_fhir(need: Need, *, case: Case) -> Json:
    """The Condition of one need of a case."""
    refs = Refs.of(case)
    kind = table("need-kind").to_fhir(need.kind)
    domain = table("assessment-domain").to_fhir(need.domain)
    evidence = refs.record("Observation", "assessment", need.assessment_id)
    return compact(
        {
            "resourceType": "Condition",
            "id": refs.id("need", need.id),
            "extension": [{"url": WORKFLOW_EPISODE, "valueReference": refs.episode()}],
            "identifier": [refs.identifier("need", need.id)],
            "clinicalStatus": codeable_concept(table("need-status").to_fhir(need.status).coding()),
            # The case manager records needs as established, never as provisional.
            "verificationStatus": codeable_concept({"system": _VERIFICATION, "code": "confirmed"}),
            "category": [codeable_concept(kind.coding()), codeable_concept(domain.coding())],
            "code": {"text": need.description},
            "subject": refs.patient(),
            "abatementDateTime": fhir_date(need.resolved_on),
            "recordedDate": fhir_date(need.identified_on),
            "evidence": [{"detail": [evidence]}] if evidence else [],
            "note": [annotation(need.note)] if need.note else [],
        }
    )


def from_fhir(condition: Mapping[str, Any], *, index: Index) -> Need:
    """The need behind a Condition.

    Foreign Conditions: kind ``problem`` unless a health-concern category is present, domain
    ``medical`` when no assessment-domain category is present, status ``active`` when
    clinicalStatus is absent; ``recordedDate`` (else ``onsetDateTime``) is the identified date.
    """
    where = f"Condition/{condition.get('id')}"
    categories = condition.get("category", [])
    kinds, domains = table("need-kind"), table("assessment-domain")
    kind = NeedKind.PROBLEM
    for concept in categories:
        for coding in concept.get("coding", []):
            if coding.get("code") in {t.code for t in kinds.forward.values()}:
                kind = NeedKind(kinds.from_fhir(coding["code"], resource=where, element="category"))
    domain_code = next(
        (c["code"] for concept in categories if (c := find_coding(concept, domains.system))),
        AssessmentDomain.MEDICAL.value,
    )
    status = find_coding(condition.get("clinicalStatus"), table("need-status").system)
    evidence = [d for e in condition.get("evidence", []) for d in e.get("detail", [])]
    identified = condition.get("recordedDate") or condition.get("onsetDateTime")
    return Need(
        id=index.lookup({"reference": f"Condition/{condition.get('id')}"}, "Condition", where=where)
        or str(condition.get("id")),
        kind=kind,
        domain=AssessmentDomain(
            domains.from_fhir(domain_code, resource=where, element="Condition.category")
        ),
        description=str((condition.get("code") or {}).get("text") or _first_display(condition)),
        status=NeedStatus(
            table("need-status").from_fhir(
                (status or {}).get("code", "active"),
                resource=where,
                element="Condition.clinicalStatus",
            )
        ),
        identified_on=required(
            parse_date(identified, where="Condition.recordedDate"),
            resource=where,
            element="Condition.recordedDate",
        ),
        resolved_on=parse_date(condition.get("abatementDateTime"), where="Condition.abatement"),
        assessment_id=index.lookup(
            evidence[0] if evidence else None, "Observation", where="Condition.evidence.detail"
        ),
        note="\n\n".join(texts(condition.get("note", []))) or None,
    )


def _first_display(condition: Mapping[str, Any]) -> str:
    codings = (condition.get("code") or {}).get("coding", [{}])
    return str(codings[0].get("display") or codings[0].get("code") or "unspecified need")

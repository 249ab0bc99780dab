"""Assessment <-> Observation panel (one component per domain and per finding) + score members.

Components without a value list the assessed domains in order; components with a value are
the findings, in order. Strengths and self-management capacity are components coded in the
local ``observation-kind`` CodeSystem; the summary is the panel's ``valueString``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from adapter.mappings.context import Index, Refs, amount, fhir_number
from adapter.mappings.datatypes import (
    Json,
    codeable_concept,
    coding,
    compact,
    fhir_date,
    find_coding,
    identifier_value,
    parse_date,
    required,
)
from adapter.mappings.extensions import WORKFLOW_EPISODE
from adapter.mappings.resources.observation import OBSERVATION_KIND
from adapter.mappings.terminology import table
from adapter.model.assessment import Assessment, CodedAnswer, Finding, InstrumentScore
from adapter.model.case import Case
from adapter.model.codes import AssessmentDomain, AssessmentKind, AssessmentStatus

__all__ = ["from_fhir", "score_from_fhir", "score_to_fhir", "to_fhir"]

_ASPECTS = {"strengths": "Strengths", "self-management": "Self-management capacity"}


def to_fhir(assessment: Assessment, *, case: Case) -> Json:
    """The panel Observation of one assessment."""
    refs = Refs.of(case)
    domains = table("assessment-domain")
    components: list[Json] = [
        {"code": codeable_concept(domains.to_fhir(d).coding())} for d in assessment.domains
    ]
    components += [
        {"code": codeable_concept(domains.to_fhir(f.domain).coding()), "valueString": f.text}
        for f in assessment.findings
    ]
    for code, text in (
        ("strengths", assessment.strengths),
        ("self-management", assessment.self_management),
    ):
        if text is not None:
            aspect = codeable_concept(coding(OBSERVATION_KIND, code, _ASPECTS[code]))
            components.append({"code": aspect, "valueString": text})
    return compact(
        {
            "resourceType": "Observation",
            "id": refs.id("assessment", assessment.id),
            "extension": [{"url": WORKFLOW_EPISODE, "valueReference": refs.episode()}],
            "identifier": [refs.identifier("assessment", assessment.id)],
            "status": table("assessment-status").to_fhir(assessment.status).code,
            "code": codeable_concept(table("assessment-kind").to_fhir(assessment.kind).coding()),
            "subject": refs.patient(),
            "effectiveDateTime": fhir_date(assessment.performed_on),
            "performer": [refs.member(assessment.assessor_id)] if assessment.assessor_id else [],
            "valueString": assessment.summary,
            "hasMember": [
                refs.record("Observation", "assessment-score", f"{assessment.id}.{s.id}")
                for s in assessment.scores
            ],
            "component": components,
        }
    )


def score_to_fhir(score: InstrumentScore, *, assessment: Assessment, case: Case) -> Json:
    """The Observation of one instrument score, a member of the assessment panel."""
    refs = Refs.of(case)
    key = f"{assessment.id}.{score.id}"
    return compact(
        {
            "resourceType": "Observation",
            "id": refs.id("assessment-score", key),
            "identifier": [refs.identifier("assessment-score", assessment.id, score.id)],
            "status": table("assessment-status").to_fhir(assessment.status).code,
            "code": {"text": score.instrument},
            "subject": refs.patient(),
            "effectiveDateTime": fhir_date(assessment.performed_on),
            **_result(score),
            "interpretation": [{"text": score.interpretation}] if score.interpretation else [],
        }
    )


def _result(score: InstrumentScore) -> Json:
    """``value[x]`` of a result: a Quantity, a CodeableConcept (an answer code) or a string."""
    answer = score.answer
    if answer is not None:
        return {
            "valueCodeableConcept": codeable_concept(
                coding(answer.system, answer.code, answer.display)
            )
        }
    if score.text is not None:
        return {"valueString": score.text}
    return {"valueQuantity": {"value": fhir_number(score.score)}}


def score_from_fhir(resource: Mapping[str, Any]) -> InstrumentScore:
    where = f"Observation/{resource.get('id')}"
    interpretation = (resource.get("interpretation") or [{}])[0].get("text")
    fields: dict[str, Any] = {}
    if "valueCodeableConcept" in resource:
        coded = (resource["valueCodeableConcept"].get("coding") or [{}])[0]
        fields["answer"] = CodedAnswer(
            system=required(coded.get("system"), resource=where, element="valueCodeableConcept"),
            code=required(coded.get("code"), resource=where, element="valueCodeableConcept"),
            display=coded.get("display"),
        )
    elif "valueString" in resource:
        fields["text"] = resource["valueString"]
    else:
        value = amount((resource.get("valueQuantity") or {}).get("value"), where="valueQuantity")
        fields["score"] = required(value, resource=where, element="value")
    return InstrumentScore(
        id=identifier_value(resource, "assessment-score", last=True) or str(resource.get("id")),
        instrument=str((resource.get("code") or {}).get("text") or "instrument"),
        interpretation=interpretation,
        **fields,
    )


def from_fhir(
    panel: Mapping[str, Any], *, index: Index, scores: Sequence[InstrumentScore] = ()
) -> Assessment:
    """The assessment behind a panel Observation written by :func:`to_fhir`."""
    where = f"Observation/{panel.get('id')}"
    domains = table("assessment-domain")
    listed: list[AssessmentDomain] = []
    findings: list[Finding] = []
    aspects: dict[str, str] = {}
    for component in panel.get("component", []):
        code = component.get("code")
        aspect = find_coding(code, OBSERVATION_KIND)
        if aspect is not None:
            aspects[aspect["code"]] = component.get("valueString", "")
            continue
        found = required(find_coding(code, domains.system), resource=where, element="component")
        domain = AssessmentDomain(
            domains.from_fhir(found["code"], resource=where, element="component")
        )
        if "valueString" in component:
            findings.append(Finding(domain=domain, text=component["valueString"]))
        else:
            listed.append(domain)
    kinds = table("assessment-kind")
    kind = required(find_coding(panel.get("code"), kinds.system), resource=where, element="code")
    performers = panel.get("performer", [])
    return Assessment(
        id=identifier_value(panel, "assessment", last=True) or str(panel.get("id")),
        kind=AssessmentKind(kinds.from_fhir(kind["code"], resource=where, element="code")),
        status=AssessmentStatus(
            table("assessment-status").from_fhir(
                str(panel.get("status")), resource=where, element="Observation.status"
            )
        ),
        performed_on=required(
            parse_date(panel.get("effectiveDateTime"), where="effectiveDateTime"),
            resource=where,
            element="Observation.effectiveDateTime",
        ),
        assessor_id=index.lookup_any(performers[0], where="performer") if performers else None,
        domains=tuple(listed),
        findings=tuple(findings),
        scores=tuple(scores),
        strengths=aspects.get("strengths"),
        self_management=aspects.get("self-management"),
        summary=panel.get("valueString"),
    )

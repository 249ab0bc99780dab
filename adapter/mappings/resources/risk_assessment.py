"""Screening <-> RiskAssessment (acuity as the qualitative risk, criteria Observations as basis)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
from adapter.mappings.extensions import CASE_MANAGER
from adapter.mappings.terminology import table
from adapter.model.case import Case
from adapter.model.codes import Acuity
from adapter.model.screening import CriterionResult, Screening

__all__ = ["from_fhir", "to_fhir"]


def to_fhir(screening: Screening, *, case: Case) -> Json:
    """The RiskAssessment of a case's screening."""
    refs = Refs.of(case)
    screener = refs.member(screening.screener_id)
    # RiskAssessment.performer allows Practitioner (or Device) only; others use an extension.
    is_practitioner = screener is not None and screener["reference"].startswith("Practitioner/")
    acuity = table("acuity").to_fhir(screening.acuity)
    return compact(
        {
            "resourceType": "RiskAssessment",
            "id": refs.id("screening"),
            "extension": []
            if is_practitioner or screener is None
            else [{"url": CASE_MANAGER, "valueReference": screener}],
            "identifier": [refs.identifier("screening")],
            "status": "final",  # a screening is recorded once it is decided
            "subject": refs.patient(),
            "occurrenceDateTime": fhir_date(screening.screened_on),
            "performer": screener if is_practitioner else None,
            "basis": [
                refs.record("Observation", "screening-criterion", c.criterion)
                for c in screening.criteria
            ],
            "prediction": [{"qualitativeRisk": codeable_concept(acuity.coding())}],
            "note": [annotation(screening.note)] if screening.note else [],
        }
    )


def from_fhir(
    risk: Mapping[str, Any], *, index: Index, criteria: Sequence[CriterionResult] = ()
) -> Screening:
    """The screening behind a RiskAssessment; ``criteria`` from its basis Observations."""
    where = f"RiskAssessment/{risk.get('id')}"
    acuities = table("acuity")
    risks = [p.get("qualitativeRisk") for p in risk.get("prediction", [])]
    found = next((c for r in risks if (c := find_coding(r, acuities.system))), None)
    found = required(found, resource=where, element="RiskAssessment.prediction.qualitativeRisk")
    screener = risk.get("performer")
    if screener is None:
        screener = next(
            (
                e.get("valueReference")
                for e in risk.get("extension", [])
                if e.get("url") == CASE_MANAGER
            ),
            None,
        )
    return Screening(
        screened_on=required(
            parse_date(risk.get("occurrenceDateTime"), where="occurrenceDateTime"),
            resource=where,
            element="RiskAssessment.occurrenceDateTime",
        ),
        screener_id=index.lookup_any(screener, where="RiskAssessment.performer"),
        acuity=Acuity(acuities.from_fhir(found["code"], resource=where, element="prediction")),
        criteria=tuple(criteria),
        note="\n\n".join(texts(risk.get("note", []))) or None,
    )

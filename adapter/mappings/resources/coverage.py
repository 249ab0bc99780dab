"""Coverage <-> Coverage (payer named by display; plan name as the ``plan`` class)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapter.mappings.context import Refs
from adapter.mappings.datatypes import (
    Json,
    codeable_concept,
    coding,
    compact,
    fhir_date,
    find_coding,
    identifier_value,
    parse_date,
    period,
    required,
)
from adapter.mappings.terminology import table
from adapter.model.base import Period
from adapter.model.case import Case
from adapter.model.codes import CoverageKind
from adapter.model.coverage import Coverage

__all__ = ["from_fhir", "to_fhir"]

_PLAN = coding("http://terminology.hl7.org/CodeSystem/coverage-class", "plan", "Plan")


def to_fhir(coverage: Coverage, *, case: Case) -> Json:
    """The Coverage of one of the client's coverages."""
    refs = Refs.of(case)
    span = coverage.period
    return compact(
        {
            "resourceType": "Coverage",
            "id": refs.id("coverage", coverage.id),
            "identifier": [refs.identifier("coverage", coverage.id)],
            "status": "active",  # status is 1..1; the model keeps only coverages in force
            "type": codeable_concept(table("coverage-kind").to_fhir(coverage.kind).coding()),
            "subscriberId": coverage.member_id,
            "beneficiary": refs.patient(),
            "period": period(fhir_date(span.start), fhir_date(span.end)) if span else None,
            "payor": [{"display": coverage.payer}],
            "class": [{"type": codeable_concept(_PLAN), "value": coverage.plan_name}]
            if coverage.plan_name
            else [],
        }
    )


def from_fhir(resource: Mapping[str, Any]) -> Coverage:
    """The coverage behind a Coverage; a foreign one without a coverage-kind coding is ``other``."""
    where = f"Coverage/{resource.get('id')}"
    kinds = table("coverage-kind")
    kind = find_coding(resource.get("type"), kinds.system)
    plans = [
        c.get("value")
        for c in resource.get("class", [])
        if find_coding(c.get("type"), _PLAN["system"])
    ]
    span = resource.get("period")
    return Coverage(
        id=identifier_value(resource, "coverage", last=True) or str(resource.get("id")),
        kind=CoverageKind(
            kinds.from_fhir(kind["code"], resource=where, element="Coverage.type")
            if kind
            else "other"
        ),
        payer=str(
            required(
                (resource.get("payor") or [{}])[0].get("display"), resource=where, element="payor"
            )
        ),
        plan_name=plans[0] if plans else None,
        member_id=resource.get("subscriberId"),
        period=Period(
            start=parse_date(span.get("start"), where="Coverage.period.start"),
            end=parse_date(span.get("end"), where="Coverage.period.end"),
        )
        if span
        else None,
    )

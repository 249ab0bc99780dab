"""Screening criteria, client preferences, outcome measurements and goal progress <-> Observation.

The business identifier's system tells the kinds apart on the way back; Observations of other
systems (no adapter identifier) are not part of a case and are skipped by the bundle mapping.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from adapter.canonical import code_system
from adapter.mappings.context import Index, Refs, amount, fhir_number
from adapter.mappings.datatypes import (
    Json,
    annotation,
    codeable_concept,
    coding,
    compact,
    extension_values,
    fhir_date,
    find_coding,
    identifier,
    identifier_value,
    parse_date,
    required,
    texts,
)
from adapter.mappings.extensions import PERTAINS_TO_GOAL, WORKFLOW_EPISODE
from adapter.mappings.ids import resource_id
from adapter.mappings.terminology import table
from adapter.model.case import Case
from adapter.model.client import Client, Preference
from adapter.model.codes import GoalAchievement, OutcomeDomain, PreferenceKind, ScreeningCriterion
from adapter.model.goal import Goal, GoalProgress
from adapter.model.outcome import OutcomeMeasurement
from adapter.model.screening import CriterionResult, Screening

__all__ = [
    "OBSERVATION_KIND",
    "criterion_from_fhir",
    "criterion_to_fhir",
    "outcome_from_fhir",
    "outcome_to_fhir",
    "preference_from_fhir",
    "preference_to_fhir",
    "progress_from_fhir",
    "progress_to_fhir",
]

OBSERVATION_KIND = code_system("observation-kind")
_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"


def _base(refs: Refs | None, kind: str, obs_id: str, ident: Json, code: Json) -> Json:
    out: Json = {"resourceType": "Observation", "id": obs_id}
    if refs is not None:
        out["extension"] = [{"url": WORKFLOW_EPISODE, "valueReference": refs.episode()}]
    out |= {"identifier": [ident], "status": "final", "code": code}
    return out


def _day(resource: Mapping[str, Any]) -> date:
    where = f"Observation/{resource.get('id')}"
    return required(
        parse_date(resource.get("effectiveDateTime"), where="Observation.effectiveDateTime"),
        resource=where,
        element="Observation.effectiveDateTime",
    )


def criterion_to_fhir(result: CriterionResult, *, screening: Screening, case: Case) -> Json:
    """One screening criterion met: a count over the lookback window, or simply ``true``."""
    refs = Refs.of(case)
    code = codeable_concept(table("screening-criterion").to_fhir(result.criterion).coding())
    body = _base(
        refs,
        "screening-criterion",
        refs.id("screening-criterion", result.criterion),
        refs.identifier("screening-criterion", result.criterion),
        code,
    )
    body["category"] = [codeable_concept(coding(_CATEGORY, "survey", "Survey"))]
    body["subject"] = refs.patient()
    body["effectiveDateTime"] = fhir_date(screening.screened_on)
    if result.count is None:
        body["valueBoolean"] = True
    else:
        body["valueInteger"] = result.count
    body["note"] = [annotation(result.evidence)] if result.evidence else []
    return compact(body)


def criterion_from_fhir(resource: Mapping[str, Any]) -> CriterionResult:
    where = f"Observation/{resource.get('id')}"
    criteria = table("screening-criterion")
    found = required(
        find_coding(resource.get("code"), criteria.system), resource=where, element="code"
    )
    notes = texts(resource.get("note", []))
    return CriterionResult(
        criterion=ScreeningCriterion(
            criteria.from_fhir(found["code"], resource=where, element="Observation.code")
        ),
        count=resource.get("valueInteger"),
        evidence=notes[0] if notes else None,
    )


def preference_to_fhir(preference: Preference, *, client: Client, patient_id: str) -> Json:
    """A client preference, as in the US Core preference Observation profiles (LOINC code)."""
    code = codeable_concept(table("preference-kind").to_fhir(preference.kind).coding())
    body = _base(
        None,
        "preference",
        resource_id("preference", client.id, preference.id),
        identifier("preference", f"{client.id}/{preference.id}"),
        code,
    )
    body["subject"] = {"reference": f"Patient/{patient_id}"}
    body["valueString"] = preference.text
    return body


def preference_from_fhir(resource: Mapping[str, Any]) -> Preference:
    where = f"Observation/{resource.get('id')}"
    kinds = table("preference-kind")
    found = required(
        find_coding(resource.get("code"), kinds.system), resource=where, element="code"
    )
    return Preference(
        id=identifier_value(resource, "preference", last=True) or str(resource.get("id")),
        kind=PreferenceKind(kinds.from_fhir(found["code"], resource=where, element="code")),
        text=str(resource.get("valueString", "")),
    )


def outcome_to_fhir(outcome: OutcomeMeasurement, *, case: Case) -> Json:
    """An outcome measurement (CMSA Standard O), linked to the goal it measures."""
    refs = Refs.of(case)
    domain = table("outcome-domain").to_fhir(outcome.domain)
    body = _base(
        refs,
        "outcome",
        refs.id("outcome", outcome.id),
        refs.identifier("outcome", outcome.id),
        codeable_concept(domain.coding(), text=outcome.measure),
    )
    if outcome.goal_id is not None:
        body["extension"].append(
            {
                "url": PERTAINS_TO_GOAL,
                "valueReference": refs.record("Goal", "goal", outcome.goal_id),
            }
        )
    body["subject"] = refs.patient()
    body["effectiveDateTime"] = fhir_date(outcome.measured_on)
    body["valueQuantity"] = _quantity(outcome.value, outcome.unit)
    body["valueString"] = outcome.text
    return compact(body)


def _quantity(value: Any, unit: str | None) -> Json | None:
    if value is None:
        return None
    return compact({"value": fhir_number(value), "unit": unit})


def outcome_from_fhir(resource: Mapping[str, Any], *, index: Index) -> OutcomeMeasurement:
    where = f"Observation/{resource.get('id')}"
    domains = table("outcome-domain")
    code = resource.get("code") or {}
    found = required(find_coding(code, domains.system), resource=where, element="code")
    quantity = resource.get("valueQuantity") or {}
    goals = extension_values(resource, PERTAINS_TO_GOAL, "valueReference")
    return OutcomeMeasurement(
        id=identifier_value(resource, "outcome", last=True) or str(resource.get("id")),
        domain=OutcomeDomain(domains.from_fhir(found["code"], resource=where, element="code")),
        measure=str(code.get("text") or found.get("display") or found["code"]),
        measured_on=_day(resource),
        value=amount(quantity.get("value"), where="Observation.valueQuantity.value"),
        unit=quantity.get("unit"),
        text=resource.get("valueString"),
        goal_id=index.lookup(goals[0], "Goal", where="pertainsToGoal") if goals else None,
    )


def progress_to_fhir(progress: GoalProgress, *, goal: Goal, case: Case) -> Json:
    """One progress entry on a goal: the measured value and/or the achievement seen."""
    refs = Refs.of(case)
    measure = goal.target.measure if goal.target is not None else None
    body = _base(
        refs,
        "goal-progress",
        refs.id("goal-progress", goal.id, progress.id),
        refs.identifier("goal-progress", goal.id, progress.id),
        codeable_concept(coding(OBSERVATION_KIND, "goal-progress", "Goal progress"), text=measure),
    )
    body["extension"].append(
        {"url": PERTAINS_TO_GOAL, "valueReference": refs.record("Goal", "goal", goal.id)}
    )
    body["subject"] = refs.patient()
    body["effectiveDateTime"] = fhir_date(progress.recorded_on)
    body["performer"] = [refs.member(progress.author_id)] if progress.author_id else []
    body["valueQuantity"] = _quantity(progress.value, progress.unit)
    body["note"] = [annotation(progress.note)] if progress.note else []
    if progress.achievement is not None:
        achieved = table("goal-achievement").to_fhir(progress.achievement).coding()
        kind = coding(OBSERVATION_KIND, "goal-achievement", "Goal achievement")
        body["component"] = [
            {"code": codeable_concept(kind), "valueCodeableConcept": codeable_concept(achieved)}
        ]
    return compact(body)


def progress_from_fhir(resource: Mapping[str, Any], *, index: Index) -> GoalProgress:
    where = f"Observation/{resource.get('id')}"
    achievements = table("goal-achievement")
    achievement = None
    for component in resource.get("component", []):
        found = find_coding(component.get("valueCodeableConcept"), achievements.system)
        if found is not None:
            code = achievements.from_fhir(found["code"], resource=where, element="component")
            achievement = GoalAchievement(code)
    quantity = resource.get("valueQuantity") or {}
    performers = resource.get("performer", [])
    notes = texts(resource.get("note", []))
    return GoalProgress(
        id=identifier_value(resource, "goal-progress", last=True) or str(resource.get("id")),
        recorded_on=_day(resource),
        achievement=achievement,
        value=amount(quantity.get("value"), where="Observation.valueQuantity.value"),
        unit=quantity.get("unit"),
        note=notes[0] if notes else None,
        author_id=index.lookup_any(performers[0], where="performer") if performers else None,
    )

from __future__ import annotations

import importlib

import pytest

from adapter.canonical import code_system
from adapter.errors import MappingError
from adapter.mappings.terminology import ConceptTable, table, table_names

# Codes of the R4 (4.0.1) value sets bound to the elements the tables feed. The R4B Python
# models do not check codes (docs/r4-vs-r4b.md), so this is where a wrong code is caught.
R4_CODES = {
    "http://hl7.org/fhir/episode-of-care-status": {
        "planned",
        "waitlist",
        "active",
        "onhold",
        "finished",
        "cancelled",
        "entered-in-error",
    },
    "http://hl7.org/fhir/request-status": {
        "draft",
        "active",
        "on-hold",
        "revoked",
        "completed",
        "entered-in-error",
        "unknown",
    },
    "http://hl7.org/fhir/goal-status": {
        "proposed",
        "planned",
        "accepted",
        "active",
        "on-hold",
        "completed",
        "cancelled",
        "entered-in-error",
        "rejected",
    },
    "http://terminology.hl7.org/CodeSystem/goal-achievement": {
        "in-progress",
        "improving",
        "worsening",
        "no-change",
        "achieved",
        "sustaining",
        "not-achieved",
        "no-progress",
        "not-attainable",
    },
    "http://terminology.hl7.org/CodeSystem/goal-priority": {
        "high-priority",
        "medium-priority",
        "low-priority",
    },
    "http://hl7.org/fhir/task-status": {
        "draft",
        "requested",
        "received",
        "accepted",
        "rejected",
        "ready",
        "cancelled",
        "in-progress",
        "on-hold",
        "failed",
        "completed",
        "entered-in-error",
    },
    "http://hl7.org/fhir/request-priority": {"routine", "urgent", "asap", "stat"},
    "http://hl7.org/fhir/consent-state-codes": {
        "draft",
        "proposed",
        "active",
        "rejected",
        "inactive",
        "entered-in-error",
    },
    "http://terminology.hl7.org/CodeSystem/consentscope": {
        "adr",
        "research",
        "patient-privacy",
        "treatment",
    },
    "http://terminology.hl7.org/CodeSystem/condition-clinical": {
        "active",
        "recurrence",
        "relapse",
        "inactive",
        "remission",
        "resolved",
    },
    "http://terminology.hl7.org/CodeSystem/condition-category": {
        "problem-list-item",
        "encounter-diagnosis",
    },
    "http://hl7.org/fhir/us/core/CodeSystem/condition-category": {"health-concern"},
    "http://hl7.org/fhir/administrative-gender": {"male", "female", "other", "unknown"},
    "http://hl7.org/fhir/observation-status": {
        "registered",
        "preliminary",
        "final",
        "amended",
        "corrected",
        "cancelled",
        "entered-in-error",
        "unknown",
    },
    "http://loinc.org": {"95541-9", "75773-2"},
}

TABLES = table_names()


def _enum_values(concepts: ConceptTable) -> list[str]:
    module, _, name = concepts.source.rpartition(".")
    return [member.value for member in getattr(importlib.import_module(module), name)]


@pytest.mark.parametrize("name", TABLES)
def test_every_internal_value_has_exactly_one_entry(name):
    concepts = table(name)
    assert list(concepts.forward) == _enum_values(concepts)


@pytest.mark.parametrize("name", TABLES)
def test_table_round_trips_every_internal_value(name):
    concepts = table(name)
    for value in concepts.forward:
        target = concepts.to_fhir(value)
        assert concepts.from_fhir(target.code, resource="X", element="y", exact=value) == value


@pytest.mark.parametrize("name", TABLES)
def test_shared_fhir_codes_have_a_carrier_and_one_default(name):
    concepts = table(name)
    shared = {t.code for t in concepts.forward.values() if len(concepts.candidates(t.code)) > 1}
    if shared:
        assert concepts.carrier, f"{name} folds values together but names no carrier"
    assert set(concepts.defaults) == shared
    for code, value in concepts.defaults.items():
        assert concepts.from_fhir(code, resource="X", element="y") == value


@pytest.mark.parametrize("name", TABLES)
def test_fhir_codes_belong_to_the_bound_r4_value_set(name):
    concepts = table(name)
    for target in [*concepts.forward.values()]:
        if target.system.startswith(code_system("")):
            assert target.code in concepts.forward  # local CodeSystem codes are the model's values
        else:
            assert target.code in R4_CODES[target.system], (name, target.code)
    for code, value in concepts.imports.items():
        assert code in R4_CODES[concepts.system]
        assert value in concepts.forward


def test_unknown_fhir_code_names_resource_element_and_code():
    with pytest.raises(MappingError) as caught:
        table("task-status").from_fhir(
            "entered-in-error", resource="Task/t1", element="Task.status"
        )
    assert (caught.value.resource, caught.value.element, caught.value.code) == (
        "Task/t1",
        "Task.status",
        "entered-in-error",
    )
    assert "Task/t1/Task.status" in str(caught.value)


def test_foreign_codes_the_adapter_never_writes_import_as_documented():
    assert table("task-status").from_fhir("ready", resource="T", element="e") == "accepted"
    assert table("case-status-fhir").from_fhir("waitlist", resource="E", element="e") == "referred"


def test_internal_value_without_entry_is_a_mapping_error():
    with pytest.raises(MappingError, match="no FHIR code"):
        table("plan-status").to_fhir("archived")

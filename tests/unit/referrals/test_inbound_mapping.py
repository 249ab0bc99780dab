"""An inbound referral (Task + ServiceRequest + Patient) -> a `referred` case, pure."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from adapter.errors import InputError, MappingError
from adapter.mappings.resources.inbound_referral import (
    case_from_referral,
    referenced_id,
    split_reference,
)
from adapter.model.codes import CaseStatus, ProgramType, ReferralSourceType

TASK: dict[str, Any] = {
    "resourceType": "Task",
    "id": "881",
    "status": "requested",
    "intent": "order",
    "focus": {"reference": "ServiceRequest/880"},
    "for": {"reference": "Patient/879"},
    "requester": {"reference": "Practitioner/12", "display": "Dr. Osei"},
}
REQUEST: dict[str, Any] = {
    "resourceType": "ServiceRequest",
    "id": "880",
    "code": {"coding": [{"code": "x", "display": "Case management"}]},
}
PATIENT: dict[str, Any] = {
    "resourceType": "Patient",
    "id": "879",
    "name": [{"family": "Okafor", "given": ["Ada"]}],
    "birthDate": "1951-03-14",
    "gender": "female",
}


def opened(task: dict[str, Any] = TASK, patient: dict[str, Any] = PATIENT) -> Any:
    return case_from_referral(
        task,
        REQUEST,
        patient,
        case_id="REF-881",
        program=ProgramType.COMPLEX_CARE,
        today=date(2026, 12, 5),
    )


def test_the_case_is_referred_references_the_patient_and_says_who_referred():
    case = opened()
    assert case.status is CaseStatus.REFERRED
    assert case.client.fhir_id == "879"
    assert case.referral.id == "881"
    assert case.referral.source_type is ReferralSourceType.PHYSICIAN
    assert case.referral.source_name == "Dr. Osei"
    assert case.referral.reason == "Case management"  # no reasonCode: the code's display
    assert case.referral.received_on == case.opened_on == date(2026, 12, 5)  # no authoredOn


def test_a_patient_without_a_birth_date_is_a_clear_error_without_its_values():
    with pytest.raises(MappingError, match=r"Patient\.birthDate") as raised:
        opened(patient={k: v for k, v in PATIENT.items() if k != "birthDate"})
    assert "Okafor" not in str(raised.value)


def test_a_too_long_referrer_name_is_an_input_error_naming_the_field():
    task = {**TASK, "requester": {"reference": "Organization/1", "display": "x" * 5000}}
    with pytest.raises(InputError, match=r"referral\.source_name"):
        opened(task=task)


@pytest.mark.parametrize(
    "ref",
    [
        {"reference": "http://other.example/fhir/Patient/1"},
        {"reference": "#contained"},
        {"display": "someone"},
        {"reference": "Group/1"},
        None,
    ],
)
def test_only_a_reference_on_the_same_server_is_followed(ref: dict[str, str] | None):
    with pytest.raises(MappingError, match="on this server"):
        referenced_id(ref, "Patient", element="Task.for")
    assert referenced_id({"reference": "Patient/7"}, "Patient", element="Task.for") == "7"


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("ServiceRequest/7", (None, "7")),
        ("https://ehr.example/fhir/ServiceRequest/7", ("https://ehr.example/fhir", "7")),
        ("http://127.0.0.1:8083/fhir/ServiceRequest/a-1/_history/3",
         ("http://127.0.0.1:8083/fhir", "a-1")),
    ],
)  # fmt: skip
def test_a_reference_names_its_server_when_absolute(reference, expected):
    ref = {"reference": reference}
    assert split_reference(ref, "ServiceRequest", element="Task.focus") == expected


@pytest.mark.parametrize(
    "reference",
    ["https://ehr.example/fhir/Patient/7", "https://ehr.example/fhir/ServiceRequest/",
     "https://ServiceRequest/7/x", "#contained", "urn:uuid:1234", None],
)  # fmt: skip
def test_other_references_are_refused(reference):
    with pytest.raises(MappingError, match="ServiceRequest"):
        split_reference({"reference": reference}, "ServiceRequest", element="Task.focus")


def test_a_patient_on_another_server_is_not_linked():
    assert opened().client.fhir_id == "879"
    case = case_from_referral(
        TASK, REQUEST, PATIENT, case_id="REF-881", program=ProgramType.COMPLEX_CARE,
        today=date(2026, 12, 5), patient_here=False,
    )  # fmt: skip
    assert case.client.fhir_id is None

"""Outbound referrals in the Gravity SDOH Clinical Care shape (TaskForReferralManagement and
ServiceRequest), and what the adapter reads back of a performer's answer."""

from __future__ import annotations

from typing import Any

from adapter.mappings.bundle import bundle_to_case, case_to_resources
from adapter.mappings.resources.gravity import SDOHCC_CODES, TASK_CODE, outcome_from_outputs
from adapter.model.case import Case
from adapter.model.validation import parse_case
from tests.support.casefiles import example_case, example_data

PERTAINS = "http://hl7.org/fhir/StructureDefinition/resource-pertainsToGoal"


def resources(case: Case) -> dict[str, dict[str, Any]]:
    out = {}
    for resource in case_to_resources(case):
        for ident in resource.get("identifier", []):
            out[f"{resource['resourceType']}:{ident['value'].rpartition('/')[2]}"] = resource
    return out


def test_a_referral_task_fulfils_its_service_request_for_the_case_manager():
    case = example_case("CM-2001", "gr1")  # T-1 referral to meals (CT-3), case manager CT-1
    mapped = resources(case)
    referral, education = mapped["Task:T-1"], mapped["Task:T-2"]
    codes = [(c["system"], c["code"]) for c in referral["code"]["coding"]]
    assert (TASK_CODE, "fulfill") in codes
    assert referral["focus"]["reference"] == f"ServiceRequest/{mapped['ServiceRequest:T-1']['id']}"
    manager = mapped["Practitioner:CT-1"]
    assert referral["requester"] == {"reference": f"Practitioner/{manager['id']}"}
    assert referral["owner"]["reference"].startswith("Organization/")
    # Work that orders no service is no fulfilment.
    assert all(c["system"] != TASK_CODE for c in education["code"]["coding"])
    assert "focus" not in education


def test_the_service_request_names_its_sdoh_domain_need_goal_and_consent():
    case = example_case("CM-2001", "gr2")  # T-1 serves G-2, which addresses N-2 (SDOH)
    mapped = resources(case)
    request = mapped["ServiceRequest:T-1"]
    categories = [c for cat in request["category"] for c in cat["coding"]]
    assert {"system": SDOHCC_CODES, "code": "sdoh-category-unspecified"}.items() <= next(
        c for c in categories if c["system"] == SDOHCC_CODES
    ).items()
    assert request["reasonReference"] == [
        {"reference": f"Condition/{mapped['Condition:N-2']['id']}"}
    ]
    goals = [e["valueReference"] for e in request["extension"] if e["url"] == PERTAINS]
    assert goals == [{"reference": f"Goal/{mapped['Goal:G-2']['id']}"}]
    assert request["supportingInfo"] == [{"reference": f"Consent/{mapped['Consent:CON-2']['id']}"}]
    assert request["requester"] == mapped["Task:T-1"]["requester"]


def test_a_medical_need_gives_no_sdoh_category():
    data = example_data("CM-2001")
    data["id"] = "CM-2001-gr3"
    data["tasks"][0]["goal_ids"] = ["G-1"]  # G-1 addresses N-1, a medical need
    request = resources(parse_case(data))["ServiceRequest:T-1"]
    assert all(c["system"] != SDOHCC_CODES for cat in request["category"] for c in cat["coding"])


def test_a_completed_referrals_outcome_is_a_resulting_activity_and_round_trips():
    data = example_data("CM-2001")
    data["id"] = "CM-2001-gr4"
    data["tasks"][0]["status"] = "completed"
    data["tasks"][0]["outcome"] = "Meals delivered five days a week"
    case = parse_case(data)
    [output] = resources(case)["Task:T-1"]["output"]
    assert output["type"]["coding"] == [{"system": SDOHCC_CODES, "code": "resulting-activity"}]
    assert output["valueCodeableConcept"] == {"text": "Meals delivered five days a week"}
    assert bundle_to_case(case_to_resources(case)) == case


def test_a_performers_resulting_activity_is_read_as_the_outcome():
    kind = {"coding": [{"system": SDOHCC_CODES, "code": "resulting-activity"}]}
    procedure = {"type": kind, "valueReference": {"reference": "Procedure/p1", "display": "Meals"}}
    coded = {"type": kind, "valueCodeableConcept": {"coding": [{"code": "x", "display": "Food"}]}}
    money = {"type": {"coding": [{"system": "s", "code": "billed"}]}, "valueMoney": {"value": 1}}
    assert outcome_from_outputs([money, procedure]) == "Meals"
    assert outcome_from_outputs([coded]) == "Food"
    assert outcome_from_outputs(
        [{"type": kind, "valueReference": {"reference": "Procedure/9"}}]
    ) == ("Procedure/9")
    assert outcome_from_outputs([money]) is None

"""Structural validation (fhir.resources R4B) and reading foreign data with defaults."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from adapter.mappings.bundle import case_to_resources
from adapter.mappings.foreign import episode_from_plan, read_foreign_case
from adapter.mappings.structure import split_valid, structure_errors
from adapter.model.codes import CaseStatus, ReferralSourceType
from tests.support.casefiles import example_case

GOLDEN = Path(__file__).parents[2] / "golden"


def test_every_resource_the_adapter_writes_is_structurally_valid():
    for path in sorted(GOLDEN.glob("*.fhir.json")):
        bundle = json.loads(path.read_text())
        _, errors = split_valid(e["resource"] for e in bundle["entry"])
        assert errors == [], path.name


def test_a_structure_error_names_type_id_and_element_but_never_the_value():
    error = structure_errors(
        {"resourceType": "Goal", "id": "g1", "lifecycleStatus": "active",
         "subject": {"reference": "Patient/p"}, "startDate": "Tuesday the 5th"}
    )  # fmt: skip
    assert error is not None
    assert error.resource == "Goal/g1"
    assert error.problems[0].startswith("Goal.")
    assert any(p.startswith("Goal.startDate") for p in error.problems)
    assert "Tuesday" not in str(error)
    assert structure_errors([1, 2]) is not None
    assert structure_errors({"resourceType": "NoSuchThing", "id": "x"}) is not None


def _foreign_active() -> list[dict[str, Any]]:
    return [
        {"resourceType": "Patient", "id": "p", "name": [{"family": "A", "given": ["B"]}],
         "gender": "other", "birthDate": "1950-01-01"},
        {"resourceType": "EpisodeOfCare", "id": "e", "status": "active",
         "patient": {"reference": "Patient/p"}, "meta": {"lastUpdated": "2025-03-04T05:06:07Z"}},
        {"resourceType": "Consent", "id": "c", "status": "active",
         "patient": {"reference": "Patient/p"},
         "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope",
                               "code": "research"}]}},
    ]  # fmt: skip


def test_a_foreign_active_episode_without_period_referral_or_consent_is_described():
    read = read_foreign_case(_foreign_active())

    assert read.case.status is CaseStatus.ACTIVE
    assert read.case.opened_on.isoformat() == "2025-03-04"
    assert read.case.referral.source_type is ReferralSourceType.PHYSICIAN
    assert read.left_out == ("Consent/c",)  # an unknown scope code: left out alone
    text = "\n".join(read.warnings)
    assert "period.start missing" in text
    assert "referralRequest missing" in text
    assert "Consent/c: not imported" in text
    assert "Case.consents: an active case needs the client's granted participation consent" in text


def test_a_careplan_without_an_episode_stands_for_one_with_the_plans_status():
    episode = episode_from_plan(
        {"resourceType": "CarePlan", "id": "cp", "status": "completed", "intent": "plan",
         "subject": {"reference": "Patient/p"},
         "period": {"start": "2025-01-01", "end": "2025-02-01"},
         "identifier": [{"system": "http://x.example/plans", "value": "P-9"}]}
    )  # fmt: skip
    assert episode["status"] == "finished"
    assert episode["period"] == {"start": "2025-01-01", "end": "2025-02-01"}
    assert episode["identifier"][0]["value"] == "P-9"


def test_the_adapters_own_case_reads_back_unchanged_and_without_warnings():
    case = example_case("CM-2001", "own")
    read = read_foreign_case(case_to_resources(case))
    assert read.case == case
    assert read.left_out == ()
    assert not [w for w in read.warnings if "defaults" in w or "not imported" in w]

"""Inbound referrals on the Gravity pattern against HAPI: a referrer writes a referral by raw
HTTP (Patient, ServiceRequest, Task owned by the case-management organization); the adapter
claims it into a `referred` case, accepts and completes it by status-only updates, and honours
a cancellation Task (code abort)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapter.sync.ledger import Ledger
from adapter.sync.namespace import NAMESPACE_KEY
from tests.integration.community_org import SDOHCC
from tests.integration.loop_support import Desk as LoopDesk
from tests.reliability.spare_hapi import spare_from_env

pytestmark = pytest.mark.integration

TASK_CODE = "http://hl7.org/fhir/CodeSystem/task-code"


class Referrer:
    """A hospital's referral system writing to the shared server by raw HTTP."""

    def __init__(self, server: str) -> None:
        self.http = httpx.Client(base_url=server, timeout=60)
        tag = uuid.uuid4().hex[:10]
        self.cm_org = self._create({"resourceType": "Organization", "name": f"CM {tag}"})
        self.hospital = self._create({"resourceType": "Organization", "name": f"Hosp {tag}"})

    def _create(self, resource: dict[str, Any]) -> str:
        answer = self.http.post(resource["resourceType"], json=resource)
        assert answer.status_code == 201, answer.text[:300]
        return f"{resource['resourceType']}/{answer.json()['id']}"

    def refer(self, request_status: str = "active") -> str:
        """Patient + ServiceRequest + Task(fulfill, requested, owner = the CM organization)."""
        patient = self._create(
            {
                "resourceType": "Patient",
                "name": [{"family": "Okafor", "given": ["Ada"]}],
                "birthDate": "1951-03-14",
                "gender": "female",
            }
        )
        request = self._create(
            {
                "resourceType": "ServiceRequest",
                "status": request_status,
                "intent": "order",
                "code": {"text": "Case management"},
                "reasonCode": [{"text": "Three admissions in 90 days"}],
                "subject": {"reference": patient},
                "requester": {"reference": self.hospital, "display": "General Hospital"},
            }
        )
        return self._create(
            {
                "resourceType": "Task",
                "status": "requested",
                "intent": "order",
                "code": {"coding": [{"system": TASK_CODE, "code": "fulfill"}]},
                "focus": {"reference": request},
                "for": {"reference": patient},
                "authoredOn": "2026-11-30T10:00:00+00:00",
                "requester": {"reference": self.hospital, "display": "General Hospital"},
                "owner": {"reference": self.cm_org},
            }
        )

    def abort(self, task: str) -> str:
        """The referrer asks to cancel ``task`` with a second Task (code abort)."""
        return self._create(
            {
                "resourceType": "Task",
                "status": "requested",
                "intent": "order",
                "code": {"coding": [{"system": TASK_CODE, "code": "abort"}]},
                "focus": {"reference": task},
                "authoredOn": "2026-12-01T10:00:00+00:00",
                "requester": {"reference": self.hospital},
                "owner": {"reference": self.cm_org},
            }
        )

    def read(self, url: str) -> dict[str, Any]:
        answer = self.http.get(url, headers={"Cache-Control": "no-cache"})
        assert answer.status_code == 200, answer.text[:300]
        return dict(answer.json())


@pytest.fixture
def referrer(fhir_base_url: str) -> Iterator[Referrer]:
    made = Referrer(fhir_base_url)
    yield made
    made.http.close()


class Desk(LoopDesk):
    """The loop tests' desk (its ``cli`` and ``local`` commands) without a case file: the case
    comes from a claimed referral."""

    def __init__(self, server: str, tmp_path: Path) -> None:  # no case file: none is read
        self.server = server
        self.ledger_url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
        self.folder = tmp_path / "cases"
        with Ledger.open(self.ledger_url) as ledger:  # the shared server: keep to a namespace
            ledger.ensure_setting(NAMESPACE_KEY, f"rf-{uuid.uuid4().hex[:10]}")

    def stored_case(self, case_id: str) -> dict[str, Any]:
        with Ledger.open(self.ledger_url) as ledger:
            found = ledger.get_case(case_id)
        assert found is not None
        assert found.document is not None
        return found.document


@pytest.fixture
def desk(
    fhir_base_url: str, tmp_path: Path, referrer: Referrer, monkeypatch: pytest.MonkeyPatch
) -> Desk:
    monkeypatch.setenv("ADAPTER_REFERRAL_ORGANIZATION", referrer.cm_org)
    return Desk(fhir_base_url, tmp_path)


def test_a_referral_is_claimed_accepted_and_completed(desk: Desk, referrer: Referrer):
    task = referrer.refer()
    case_id = f"REF-{task.split('/')[1]}"

    code, out = desk.cli("referrals", "claim", "--program", "transitional-care")

    assert code == 0, out
    assert f"{task}: opened case {case_id} (referred)" in out
    case = desk.stored_case(case_id)
    patient = referrer.read(task)["for"]["reference"]
    assert case["status"] == "referred"
    assert case["program"] == "transitional-care"
    assert case["client"]["fhir_id"] == patient.split("/")[1]  # referenced, never copied
    assert case["referral"]["source_type"] == "hospital"
    assert case["referral"]["received_on"] == "2026-11-30"
    assert case["referral"]["reason"] == "Three admissions in 90 days"
    assert desk.cli("referrals", "claim")[1].startswith("referrals: 0 claimed, 1 claimed before")

    code, out = desk.cli("referrals", "accept", case_id)

    assert code == 0, out
    accepted = referrer.read(task)
    assert accepted["status"] == "accepted"
    assert accepted["meta"]["versionId"] == "2"
    assert accepted["owner"]["reference"] == referrer.cm_org  # only the status changed
    assert desk.stored_case(case_id)["status"] == "screening"
    # The case is in the case store: exported to the CM system and pushed back as it is, it
    # lands, referencing the referrer's Patient (never a copy of it).
    assert desk.local("case", "export", "--out", str(desk.folder))[0] == 0
    code, out = desk.cli("push", str(desk.folder / f"{case_id}.json"))
    assert code == 0, out
    episodes = referrer.http.get("EpisodeOfCare", params={"patient": patient}).json()
    assert [e["resource"]["status"] for e in episodes["entry"]] == ["planned"]

    code, out = desk.cli("referrals", "complete", case_id, "--outcome", "Enrolled; plan agreed")

    assert code == 0, out
    done = referrer.read(task)
    assert done["status"] == "completed"
    [output] = done["output"]
    assert output["type"]["coding"][0] == {"system": SDOHCC, "code": "resulting-activity"}
    assert output["valueCodeableConcept"]["text"] == "Enrolled; plan agreed"
    code, out = desk.cli("referrals", "accept", case_id)  # nothing to accept any more
    assert code == 1
    assert "the Task is completed; accepted cannot follow" in out


def test_a_rejection_carries_its_reason_and_cancels_the_case(desk: Desk, referrer: Referrer):
    task = referrer.refer()
    case_id = f"REF-{task.split('/')[1]}"
    assert desk.cli("referrals", "claim")[0] == 0

    code, out = desk.cli("referrals", "reject", case_id, "--reason", "Outside our service area")

    assert code == 0, out
    rejected = referrer.read(task)
    assert (rejected["status"], rejected["statusReason"]["text"]) == (
        "rejected",
        "Outside our service area",
    )
    assert desk.stored_case(case_id)["status"] == "cancelled"


def test_a_cancellation_task_cancels_a_claimed_referral(desk: Desk, referrer: Referrer):
    task = referrer.refer()
    case_id = f"REF-{task.split('/')[1]}"
    assert desk.cli("referrals", "claim")[0] == 0
    assert desk.cli("referrals", "accept", case_id)[0] == 0  # the case is in screening
    abort = referrer.abort(task)

    code, out = desk.cli("referrals", "claim")

    assert code == 0, out
    assert f"{abort}: cancelled {case_id}" in out
    assert referrer.read(abort)["status"] == "completed"
    assert referrer.read(task)["status"] == "cancelled"
    assert desk.stored_case(case_id)["status"] == "cancelled"


def test_a_cancellation_after_completion_is_refused(desk: Desk, referrer: Referrer):
    task = referrer.refer()
    case_id = f"REF-{task.split('/')[1]}"
    assert desk.cli("referrals", "claim")[0] == 0
    assert desk.cli("referrals", "accept", case_id)[0] == 0
    assert desk.cli("referrals", "complete", case_id)[0] == 0
    abort = referrer.abort(task)

    code, out = desk.cli("referrals", "claim")

    assert code == 1, out
    refused = referrer.read(abort)
    assert refused["status"] == "rejected"
    assert "completed; it can no longer be cancelled" in refused["statusReason"]["text"]
    assert referrer.read(task)["status"] == "completed"


def test_a_cancellation_before_the_claim_means_nothing_is_claimed(desk: Desk, referrer: Referrer):
    task = referrer.refer()
    abort = referrer.abort(task)

    code, out = desk.cli("referrals", "claim")

    assert code == 0, out
    assert f"{abort}: cancelled an unclaimed one" in out
    assert f"{task}: opened case" not in out
    assert referrer.read(task)["status"] == "cancelled"
    assert referrer.read(abort)["status"] == "completed"
    with Ledger.open(desk.ledger_url) as ledger:
        assert ledger.get_case(f"REF-{task.split('/')[1]}") is None


def test_a_referral_whose_service_request_was_revoked_is_not_claimed(
    desk: Desk, referrer: Referrer
):
    task = referrer.refer(request_status="revoked")

    code, out = desk.cli("referrals", "claim")

    assert code == 1, out
    assert f"{task}: refused: {task}: focus: the ServiceRequest is revoked, not active" in out
    assert referrer.read(task)["status"] == "requested"  # left for the referrer to withdraw


def test_json_output_of_claim_and_answers(desk: Desk, referrer: Referrer):
    task = referrer.refer()
    task_id = task.split("/")[1]
    case_id = f"REF-{task_id}"

    code, out = desk.cli("referrals", "claim", "--json")

    assert code == 0, out
    claimed = json.loads(out)
    assert claimed["claimed"] == [{"task_id": task_id, "case_id": case_id}]
    assert (claimed["claimed_before"], claimed["cancelled"], claimed["refused"]) == (0, [], [])
    code, out = desk.cli("referrals", "reject", case_id, "--reason", "Full", "--json")
    assert code == 0, out
    assert json.loads(out) == {
        "case_id": case_id,
        "status": "rejected",
        "task_id": task_id,
        "task_version": "2",
    }


@pytest.fixture
def other_server() -> str:
    """The case-management organization's own FHIR server, where the referral Task is posted:
    the spare HAPI scripts/test starts (ADAPTER_TEST_SPARE_FHIR_URL), which takes absolute
    references to other servers (HAPI_FHIR_ALLOW_EXTERNAL_REFERENCES=true)."""
    return spare_from_env().url  # started after the main HAPI: waited for


def refer_across(referrer: Referrer, ehr: httpx.Client) -> str:
    """Patient and ServiceRequest on the referrer's EHR; the Task, with absolute references to
    them, on the case-management organization's server (Gravity's case for absolute ones)."""

    def create(resource: dict[str, Any]) -> str:
        answer = ehr.post(resource["resourceType"], json=resource)
        assert answer.status_code == 201, answer.text[:300]
        return f"{resource['resourceType']}/{answer.json()['id']}"

    patient = create(
        {"resourceType": "Patient", "name": [{"family": "Mensah", "given": ["Kofi"]}],
         "birthDate": "1948-07-02", "gender": "male"}
    )  # fmt: skip
    request = create(
        {"resourceType": "ServiceRequest", "status": "active", "intent": "order",
         "code": {"text": "Case management"}, "reasonCode": [{"text": "Falls at home"}],
         "subject": {"reference": patient}}
    )  # fmt: skip
    base = str(ehr.base_url).rstrip("/")
    return referrer._create(
        {
            "resourceType": "Task",
            "status": "requested",
            "intent": "order",
            "code": {"coding": [{"system": TASK_CODE, "code": "fulfill"}]},
            "focus": {"reference": f"{base}/{request}"},
            "for": {"reference": f"{base}/{patient}"},
            "authoredOn": "2026-12-02T09:00:00+00:00",
            "requester": {"reference": referrer.hospital},
            "owner": {"reference": referrer.cm_org},
        }
    )


def test_absolute_references_are_read_on_a_server_named_and_refused_on_others(
    fhir_base_url: str, other_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    referrer = Referrer(other_server)  # the organization's server holds the Task
    monkeypatch.setenv("ADAPTER_REFERRAL_ORGANIZATION", referrer.cm_org)
    desk = Desk(other_server, tmp_path)
    with httpx.Client(base_url=fhir_base_url.rstrip("/") + "/", timeout=60) as ehr:
        task = refer_across(referrer, ehr)
    case_id = f"REF-{task.split('/')[1]}"

    code, out = desk.cli("referrals", "claim")  # the EHR is not named: refused, nothing read

    assert code == 1, out
    assert "not one named in ADAPTER_REFERRAL_SERVERS" in out
    monkeypatch.setenv("ADAPTER_REFERRAL_SERVERS", fhir_base_url)

    code, out = desk.cli("referrals", "claim")

    assert code == 0, out
    assert f"{task}: opened case {case_id} (referred)" in out
    case = desk.stored_case(case_id)
    assert case["referral"]["reason"] == "Falls at home"  # read on the EHR
    assert "fhir_id" not in case["client"]  # not on this server: the case keeps its own
    assert desk.local("case", "export", "--out", str(desk.folder))[0] == 0
    code, out = desk.cli("push", str(desk.folder / f"{case_id}.json"))
    assert code == 0, out  # the case lands with its own Patient: nothing dangles
    referrer.http.close()

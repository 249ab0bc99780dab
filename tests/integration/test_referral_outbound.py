"""Outbound referrals on the Gravity pattern against HAPI: a community organization (raw HTTP,
the guide's rules) answers the case manager's referral; status is owned per value."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapter.mappings.bundle import case_to_resources
from adapter.model.validation import parse_case
from adapter.sync.ledger import Ledger
from adapter.sync.namespace import NAMESPACE_KEY
from tests.integration.community_org import CommunityOrganization
from tests.integration.loop_support import Desk

pytestmark = pytest.mark.integration

TASK_CODE = "http://hl7.org/fhir/CodeSystem/task-code"


@pytest.fixture
def desk(fhir_base_url: str, tmp_path: Path) -> Desk:
    desk = Desk(fhir_base_url, tmp_path)  # CM-2001: T-1 refers to home-delivered meals (CT-3)
    desk.record("T-1")["status"] = "requested"
    assert desk.push()[0] == 0
    return desk


@pytest.fixture
def cbo(fhir_base_url: str) -> Iterator[CommunityOrganization]:
    org = CommunityOrganization(fhir_base_url)
    yield org
    org.close()


def task_url(desk: Desk) -> str:
    """The referral's Task (its ServiceRequest carries the same business identifier)."""
    with Ledger.open(desk.ledger_url) as ledger:
        namespace = ledger.get_setting(NAMESPACE_KEY)
    value = f"{desk.case['id']}/T-1"
    [task] = [
        r
        for r in case_to_resources(parse_case(desk.case), namespace=namespace)
        if r["resourceType"] == "Task" and r["identifier"][0]["value"] == value
    ]
    return f"Task/{task['id']}"


def test_the_referral_on_the_server_is_a_gravity_fulfilment_request(desk, cbo):
    task, _ = cbo.read(task_url(desk))
    assert {"system": TASK_CODE, "code": "fulfill"}.items() <= task["code"]["coding"][1].items()
    assert task["requester"]["reference"].startswith("Practitioner/")
    assert task["intent"] == "order"
    [waiting] = [t for t in cbo.inbox(task["owner"]["reference"]) if t["id"] == task["id"]]
    request, _ = cbo.read(waiting["focus"]["reference"])
    condition, _ = cbo.read(request["reasonReference"][0]["reference"])  # the need is readable
    assert condition["resourceType"] == "Condition"
    assert request["requester"] == task["requester"]
    assert any(
        "sdoh-clinicalcare" in c["system"] for cat in request["category"] for c in cat["coding"]
    )


def test_the_organization_completes_the_referral_and_a_pull_closes_the_loop(desk, cbo):
    url = task_url(desk)
    cbo.move(url, "accepted")
    cbo.move(url, "in-progress")
    cbo.move(url, "completed", activity="Meals delivered five days a week")

    code, out = desk.pull()

    assert code == 0, out
    stored = desk.record("T-1", desk.stored())
    assert stored["status"] == "completed"
    assert stored["outcome"] == "Meals delivered five days a week"


def test_a_case_managers_cancel_wins_over_the_organizations_progress(desk, cbo):
    url = task_url(desk)
    cbo.move(url, "accepted")
    cbo.move(url, "in-progress")  # the case manager has not pulled yet
    desk.record("T-1")["status"] = "cancelled"
    desk.record("T-1")["status_reason"] = "Client moved in with her daughter"

    code, out = desk.push()

    assert code == 0, out
    assert "merged 1" in out
    on_server, _ = cbo.read(url)
    assert on_server["status"] == "cancelled"
    assert desk.record("T-1", desk.stored())["status"] == "cancelled"


def test_a_completion_before_the_cancel_stands(desk, cbo):
    url = task_url(desk)
    cbo.move(url, "accepted")
    cbo.move(url, "completed", activity="First delivery made")
    desk.record("T-1")["status"] = "cancelled"

    code, out = desk.push()

    assert code == 0, out
    on_server, _ = cbo.read(url)
    assert on_server["status"] == "completed"
    assert "conflicts 0" in out
    stored = desk.record("T-1", desk.stored())
    assert stored["status"] == "completed"
    assert stored["outcome"] == "First delivery made"

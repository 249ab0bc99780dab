"""Outbound referrals on the Gravity pattern against HAPI: a community organization (raw HTTP,
the guide's rules) answers the case manager's referral; status is owned per value."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


def test_a_cancel_while_requested_is_written_to_the_task(desk, cbo):
    url = task_url(desk)
    desk.record("T-1")["status"] = "cancelled"

    code, out = desk.push()

    assert code == 0, out
    on_server, _ = cbo.read(url)
    assert on_server["status"] == "cancelled"  # the requester's own value while requested
    assert cbo.cancellations(url) == []


def cancel_in_progress(desk: Desk, cbo: CommunityOrganization) -> tuple[str, dict[str, Any]]:
    """The organization accepts and starts; the case manager, not having pulled, cancels."""
    url = task_url(desk)
    cbo.move(url, "accepted")
    cbo.move(url, "in-progress")
    desk.record("T-1")["status"] = "cancelled"
    desk.record("T-1")["status_reason"] = "Client moved in with her daughter"
    code, out = desk.push()
    assert code == 0, out
    assert "kept" in out
    on_server, _ = cbo.read(url)
    assert on_server["status"] == "in-progress"  # not overwritten: the performer holds it
    [abort] = cbo.cancellations(url)
    assert abort["status"] == "requested"
    assert abort["focus"]["reference"] == url
    assert abort["owner"] == on_server["owner"]
    assert abort["requester"] == on_server["requester"]
    assert abort["reasonCode"]["text"] == "Client moved in with her daughter"
    assert desk.push()[0] == 0  # pushing the same cancel again asks nothing twice
    assert len(cbo.cancellations(url)) == 1
    return url, abort


def test_a_cancel_of_a_started_referral_goes_by_an_abort_task_the_organization_agrees_to(desk, cbo):
    url, abort = cancel_in_progress(desk, cbo)
    cbo.answer_cancellation(abort, agree=True)

    code, out = desk.pull()

    assert code == 0, out
    assert "answered the cancellation" in out
    assert "the referral cancelled" in out
    assert "0 conflicts" in out
    assert desk.record("T-1", desk.stored())["status"] == "cancelled"
    assert cbo.read(url)[0]["status"] == "cancelled"
    assert desk.pull()[0] == 0  # answered once: nothing more to settle
    assert desk.push()[0] == 0  # the case file says cancelled, so does everything else
    assert cbo.read(url)[0]["status"] == "cancelled"


def test_an_abort_the_organization_completes_without_cancelling_makes_the_adapter_cancel(desk, cbo):
    url, abort = cancel_in_progress(desk, cbo)
    current, version = cbo.read(f"Task/{abort['id']}")
    cbo._put(f"Task/{abort['id']}", {**current, "status": "completed"}, version)

    code, out = desk.pull()

    assert code == 0, out
    assert cbo.read(url)[0]["status"] == "cancelled"  # written by the requester, agreed to
    assert desk.record("T-1", desk.stored())["status"] == "cancelled"


def test_a_refused_abort_lets_the_referral_go_on(desk, cbo):
    url, abort = cancel_in_progress(desk, cbo)
    cbo.answer_cancellation(abort, agree=False, reason="Meals already scheduled this week")

    code, out = desk.pull()

    assert code == 0, out
    assert "answered the cancellation" in out
    assert "rejected; the referral goes on" in out
    assert desk.record("T-1", desk.stored())["status"] == "in-progress"
    cbo.move(url, "completed", activity="Meals delivered")
    assert desk.pull()[0] == 0
    assert desk.record("T-1", desk.stored())["status"] == "completed"


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

"""Outbound referrals whose Tasks live on the performer's server (Gravity G8) on two real HAPIs:
the case (ServiceRequest, Patient, case manager ...) on the main one, the referral Task on the
spare one (ADAPTER_REFERRAL_TASK_SERVER) with absolute references back to the case's server; a
community organization answers there by raw HTTP, the pull brings its answers home."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from adapter.api import create_app
from adapter.cli import app
from adapter.mappings.bundle import case_to_resources
from adapter.model.validation import parse_case
from adapter.settings import load_settings
from adapter.sync.ledger import Ledger
from adapter.sync.namespace import NAMESPACE_KEY
from tests.integration.community_org import CommunityOrganization
from tests.integration.fhir_proxy import Faults, faulty_fhir
from tests.integration.loop_support import Desk
from tests.reliability.spare_hapi import spare_from_env
from tests.support.api import TOKEN, serve
from tests.support.casefiles import example_case

pytestmark = pytest.mark.integration

ABORT_IDENTIFIER = "https://fhir.cm-adapter.dev/referral-abort"


@pytest.fixture(scope="module")
def performer_server() -> str:
    """The community organization's own server: the spare HAPI scripts/test starts, which
    takes absolute references to other servers."""
    return spare_from_env().url.rstrip("/")


@pytest.fixture
def desk(fhir_base_url: str, tmp_path: Path) -> Desk:
    desk = Desk(fhir_base_url, tmp_path)  # CM-2001: T-1 refers to home-delivered meals (CT-3)
    desk.record("T-1")["status"] = "requested"
    return desk


@pytest.fixture
def cbo(performer_server: str) -> Iterator[CommunityOrganization]:
    org = CommunityOrganization(performer_server)
    yield org
    org.close()


def mapped(desk: Desk, record_id: str | None, kind: str) -> dict[str, Any]:
    """The resource of ``kind`` the case's ``record_id`` maps to (under the ledger's namespace;
    None: the first of that type)."""
    with Ledger.open(desk.ledger_url) as ledger:
        namespace = ledger.get_setting(NAMESPACE_KEY)
    value = f"{desk.case['id']}/{record_id}"
    return next(
        r
        for r in case_to_resources(parse_case(desk.case), namespace=namespace)
        if r["resourceType"] == kind
        if record_id is None or r["identifier"][0]["value"] == value
    )


def remote_task(desk: Desk, server: str) -> list[dict[str, Any]]:
    """The referral Tasks for T-1 on ``server``, found by the Task's business identifier."""
    ident = mapped(desk, "T-1", "Task")["identifier"][0]
    with httpx.Client(base_url=server, timeout=60) as http:
        answer = http.get(
            "Task",
            params={"identifier": f"{ident['system']}|{ident['value']}"},
            headers={"Cache-Control": "no-cache"},
        )
    assert answer.status_code == 200, answer.text[:300]
    return [e["resource"] for e in answer.json().get("entry", [])]


def pushed(desk: Desk, monkeypatch: pytest.MonkeyPatch, task_server: str) -> str:
    monkeypatch.setenv("ADAPTER_REFERRAL_TASK_SERVER", task_server)
    code, out = desk.push()
    assert code == 0, out
    return out


def started(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, server: str, cbo: CommunityOrganization
) -> tuple[dict[str, Any], str]:
    """The referral pushed; the organization accepts and starts it on its server."""
    pushed(desk, monkeypatch, server)
    [task] = remote_task(desk, server)
    url = f"Task/{task['id']}"
    cbo.move(url, "accepted")
    cbo.move(url, "in-progress")
    return task, url


def aborts(server: str, task_id: str, attempt: int) -> list[dict[str, Any]]:
    """The cancellation Tasks the adapter sent for ``task_id`` (its ``attempt``-th)."""
    with httpx.Client(base_url=server, timeout=60) as http:
        found = http.get(
            "Task",
            params={"identifier": f"{ABORT_IDENTIFIER}|{task_id}/{attempt}"},
            headers={"Cache-Control": "no-cache"},
        ).json()
    return [e["resource"] for e in found.get("entry", [])]


def test_the_task_goes_to_the_performers_server_with_absolute_references(
    desk, monkeypatch, performer_server, fhir_base_url
):
    pushed(desk, monkeypatch, performer_server)
    case_base = fhir_base_url.rstrip("/")

    [task] = remote_task(desk, performer_server)
    assert task["intent"] == "order"
    assert any(c["code"] == "fulfill" for c in task["code"]["coding"])
    references = [task["focus"], task["for"], task["requester"], task["owner"], *task["basedOn"]]
    with httpx.Client(timeout=60) as http:
        for ref in references:  # every one absolute, and it resolves on the case's server
            assert ref["reference"].startswith(f"{case_base}/"), ref
            assert http.get(ref["reference"]).status_code == 200, ref
    assert task["focus"]["reference"].split("/")[-2] == "ServiceRequest"
    # The ServiceRequest stays on the case's server; the Task is not there.
    request = mapped(desk, "T-1", "ServiceRequest")
    with httpx.Client(base_url=case_base, timeout=60) as http:
        assert http.get(f"ServiceRequest/{request['id']}").status_code == 200
        local = mapped(desk, "T-1", "Task")["id"]
        assert http.get(f"Task/{local}").status_code == 404
        plan = http.get(f"CarePlan/{mapped(desk, None, 'CarePlan')['id']}").json()
    activities = [a["reference"]["reference"] for a in plan.get("activity", [])]
    assert f"Task/{local}" not in activities  # not a dangling reference on the case's server

    code, out = desk.push()  # nothing changed: nothing written, on either server
    assert code == 0, out
    assert "resources: 0 written" in out
    assert len(remote_task(desk, performer_server)) == 1


def test_the_organization_completes_it_there_and_a_pull_closes_the_loop(
    desk, monkeypatch, performer_server, cbo
):
    task, url = started(desk, monkeypatch, performer_server, cbo)
    cbo.move(url, "completed", activity="Meals delivered five days a week")

    code, out = desk.pull()

    assert code == 0, out
    assert f"Task/{task['id']} on the performer's server): completed" in out
    stored = desk.record("T-1", desk.stored())
    assert stored["status"] == "completed"
    assert stored["outcome"] == "Meals delivered five days a week"
    assert desk.push()[0] == 0  # the ServiceRequest follows (completed) on the case's server
    code, out = desk.push()
    assert code == 0, out
    assert "resources: 0 written" in out
    on_server, version = cbo.read(url)
    assert on_server["status"] == "completed"
    assert version == "4"  # the adapter wrote nothing over the organization's answers


def test_a_cancel_of_a_started_referral_sends_the_abort_to_the_performers_server(
    desk, monkeypatch, performer_server, cbo
):
    task, url = started(desk, monkeypatch, performer_server, cbo)
    desk.record("T-1")["status"] = "cancelled"
    desk.record("T-1")["status_reason"] = "Client moved in with her daughter"

    out = pushed(desk, monkeypatch, performer_server)

    assert "kept" in out
    assert cbo.read(url)[0]["status"] == "in-progress"
    [abort] = aborts(performer_server, task["id"], 1)
    # sent absolute; HAPI keeps a reference to its own base as a local one
    assert abort["focus"]["reference"] in (f"{performer_server}/{url}", url)
    assert abort["for"] == task["for"]  # absolute, to the case's server
    assert abort["reasonCode"]["text"] == "Client moved in with her daughter"
    assert desk.push()[0] == 0  # pushing the same cancel again asks nothing twice
    assert aborts(performer_server, task["id"], 2) == []
    cbo.answer_cancellation({**abort, "focus": {"reference": url}}, agree=True)

    code, out = desk.pull()

    assert code == 0, out
    assert "the referral cancelled" in out
    assert "not applied" not in out  # the cancelled Task there is the stored case's status now
    assert desk.record("T-1", desk.stored())["status"] == "cancelled"


def test_a_task_the_performers_server_refuses_stays_pending_and_the_next_push_writes_it(
    desk, monkeypatch, performer_server, fhir_base_url
):
    faults = Faults(refuse=frozenset({"Task"}), refuse_times=1, refuse_code="processing")
    with faulty_fhir(performer_server, faults) as proxy:
        monkeypatch.setenv("ADAPTER_REFERRAL_TASK_SERVER", proxy)
        code, out = desk.push()

        assert code != 0, out  # the run reports the Task pending
        assert f"case {desk.case['id']} task T-1" in out
        assert "retried by the next push" in out
        assert "HTTP 400" in out  # the status, not the server's words
        assert "test proxy" not in out
        assert remote_task(desk, performer_server) == []
        request = mapped(desk, "T-1", "ServiceRequest")  # the case itself landed
        with httpx.Client(base_url=fhir_base_url, timeout=60) as http:
            assert http.get(f"ServiceRequest/{request['id']}").status_code == 200

        code, out = desk.push()  # the same case again: only the pending Task goes

        assert code == 0, out
        assert "resources: 1 written" in out
        assert len(remote_task(desk, performer_server)) == 1
        asked = len(faults.requests)
        code, out = desk.push()
        assert code == 0, out
        assert "resources: 0 written" in out
        assert len(faults.requests) == asked  # converged: not one request to that server
    posts = [r for r in faults.requests if r.startswith("POST") and "/Task" in r]
    assert [p.rsplit(" ", 1)[-1] for p in posts] == ["400", "201"]
    assert len(faults.requests) == 2  # the two conditional creates: no read, no other write


@pytest.mark.production
def test_a_case_server_that_assigns_its_own_ids_is_referenced_by_its_ids(
    production_fhir_url, performer_server, tmp_path, monkeypatch
):
    """The Task's absolute references name the ids the case's server assigned (not ours)."""
    case = example_case("CM-2001", uuid.uuid4().hex[:10]).model_dump(mode="json", exclude_none=True)
    next(t for t in case["tasks"] if t["id"] == "T-1")["status"] = "requested"
    ident = f"{case['id']}/T-1"
    (tmp_path / "case.json").write_text(json.dumps(case))
    ledger = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    monkeypatch.setenv("ADAPTER_REFERRAL_TASK_SERVER", performer_server)
    monkeypatch.setenv("ADAPTER_NAMESPACE", f"g8-{uuid.uuid4().hex[:10]}")
    args = ["push", str(tmp_path / "case.json"), "--server", production_fhir_url]

    ping = CliRunner().invoke(app, ["ping", "--server", production_fhir_url, "--ledger", ledger])
    assert ping.exit_code == 0, ping.stdout  # the server's profile: it assigns the ids

    result = CliRunner().invoke(app, [*args, "--ledger", ledger])

    assert result.exit_code == 0, result.stdout
    with httpx.Client(base_url=performer_server, timeout=60) as http:
        found = http.get(
            "Task", params={"identifier": ident}, headers={"Cache-Control": "no-cache"}
        )
    [task] = [e["resource"] for e in found.json().get("entry", [])]
    base = production_fhir_url.rstrip("/")
    with httpx.Client(timeout=60) as http:
        for element in ("focus", "for", "requester", "owner"):
            reference = task[element]["reference"]
            assert reference.startswith(f"{base}/"), reference
            assert "cm-" not in reference.rsplit("/", 1)[1]  # the server's id, not ours
            assert http.get(reference).status_code == 200, reference
    again = CliRunner().invoke(app, [*args, "--ledger", ledger])
    assert again.exit_code == 0, again.stdout
    assert "resources: 0 written" in again.stdout


def test_the_case_managers_changes_update_the_task_there_and_a_lost_one_is_written_anew(
    desk, monkeypatch, performer_server
):
    pushed(desk, monkeypatch, performer_server)
    [task] = remote_task(desk, performer_server)
    desk.record("T-1")["description"] = "Hot meals, five days a week"

    out = pushed(desk, monkeypatch, performer_server)

    assert "resources: 1 written" in out  # the Task only (If-Match on the version known)
    [updated] = remote_task(desk, performer_server)
    assert (updated["id"], updated["meta"]["versionId"]) == (task["id"], "2")
    assert updated["description"] == "Hot meals, five days a week"
    assert updated["focus"] == task["focus"]  # still absolute
    with httpx.Client(base_url=performer_server, timeout=60) as http:
        assert http.delete(f"Task/{task['id']}").status_code in (200, 204)
    desk.record("T-1")["status"] = "cancelled"  # still requested there: the requester's value

    pushed(desk, monkeypatch, performer_server)

    [anew] = remote_task(desk, performer_server)
    assert anew["id"] != task["id"]
    assert anew["status"] == "cancelled"


async def test_the_service_writes_the_task_to_the_performers_server_too(
    fhir_base_url, performer_server, tmp_path
):
    settings = load_settings(
        fhir_base_url=fhir_base_url,
        ledger_url=f"sqlite:///{tmp_path / 'ledger.db'}",
        api_token=TOKEN,
        namespace=f"g8s-{uuid.uuid4().hex[:10]}",
        referral_task_server=performer_server,
    )
    case = example_case("CM-2001", uuid.uuid4().hex[:10]).model_dump(mode="json", exclude_none=True)
    next(t for t in case["tasks"] if t["id"] == "T-1")["status"] = "requested"
    app = create_app(settings)
    async for client in serve(app):
        assert (await client.post("/cases", json=case)).status_code == 201
        runs = []
        for _ in range(2):
            started = await client.post("/sync", json={"case_ids": [case["id"]]})
            assert started.status_code == 202
            await app.state.adapter.runs.wait()
            runs.append((await client.get(f"/sync/runs/{started.json()['run_id']}")).json())
    assert [(r["status"], r["cases_failed"]) for r in runs] == [("completed", 0)] * 2
    assert runs[1]["resources_written"] == 0
    ident = f"{case['id']}/T-1"
    async with httpx.AsyncClient(base_url=performer_server, timeout=60) as http:
        found = await http.get(
            "Task", params={"identifier": ident}, headers={"Cache-Control": "no-cache"}
        )
    [task] = [e["resource"] for e in found.json().get("entry", [])]
    assert task["focus"]["reference"].startswith(fhir_base_url.rstrip("/") + "/ServiceRequest/")

"""Issue 14, item 5: conflicts a person can close (``adapter conflicts``, ``/conflicts``),
against HAPI: taking the server's side changes the stored case and feeds the change; taking the
local side makes the next push write the local values over the server's."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from adapter.api import create_app
from adapter.errors import ConflictError
from adapter.settings import load_settings
from adapter.sync.conflicts import list_conflicts, resolve_conflict
from adapter.sync.ledger import Ledger
from tests.integration.loop_support import Desk
from tests.support.api import TOKEN, serve

pytestmark = pytest.mark.integration


def _open(desk: Desk) -> list[dict[str, Any]]:
    code, out = desk.local("conflicts", "list", "--json")
    assert code == 0, out
    found: list[dict[str, Any]] = json.loads(out)
    return found


def test_taking_the_server_side_changes_the_stored_case_and_feeds_it(
    fhir_base_url: str, tmp_path: Path
):
    desk = Desk(fhir_base_url, tmp_path)
    assert desk.push()[0] == 0
    desk.provider_sets("T-2", description="Daily weights, taught by the ward nurse")
    assert desk.pull()[0] == 1  # a case-management element changed on the server: a conflict
    [conflict] = _open(desk)
    assert conflict["fields"] == ["description"]
    assert conflict["kind"] == "case-management-owned"
    assert conflict["server_side_kept"] is True
    code, out = desk.local("conflicts", "show", str(conflict["id"]))
    assert "--take server or --take local" in out

    code, out = desk.local(
        "conflicts", "resolve", str(conflict["id"]), "--take", "server", "--json"
    )

    assert code == 0, out
    done = json.loads(out)
    assert done["resolution"] == "server"
    assert [c["path"] for c in done["changes"]] == ["tasks[1].description"]
    stored = desk.record("T-2", desk.stored())
    assert stored["description"] == "Daily weights, taught by the ward nurse"
    with Ledger.open(desk.ledger_url) as ledger:
        [row] = ledger.changes_since(0)
    assert (row.origin, row.path, row.new) == (
        "conflict-resolved-server", "tasks[1].description", stored["description"],
    )  # fmt: skip
    assert _open(desk) == []
    # The case-management system takes the stored case in (case export) and sends it again:
    # the server keeps the provider's wording, nothing conflicts any more.
    assert desk.push(desk.stored())[0] == 0
    assert desk.read("T-2")["description"] == "Daily weights, taught by the ward nurse"
    assert desk.pull()[0] == 0
    code, out = desk.local("conflicts", "resolve", str(conflict["id"]), "--take", "local")
    assert code == 1
    assert "resolved already (server)" in out


def test_taking_the_local_side_of_a_push_merge_writes_it_over_the_servers(
    fhir_base_url: str, tmp_path: Path
):
    desk = Desk(fhir_base_url, tmp_path)
    assert desk.push()[0] == 0
    desk.provider_sets("T-2", description="Provider's wording")
    desk.record("T-2")["description"] = "Case manager's wording"
    code, out = desk.push()  # both sides changed a case-management element: not mergeable
    assert code == 1, out
    [conflict] = _open(desk)
    assert conflict["kind"] == "push-merge"
    assert "description" in conflict["fields"]
    assert desk.push()[0] == 1  # stuck until someone decides (no second conflict row)
    assert len(_open(desk)) == 1

    code, out = desk.local("conflicts", "resolve", str(conflict["id"]), "--take", "local")

    assert code == 0, out
    assert "the next push writes the local values" in out
    code, out = desk.push()
    assert code == 0, out
    assert desk.read("T-2")["description"] == "Case manager's wording"
    with Ledger.open(desk.ledger_url) as ledger:
        settled = {c.id: c.resolution for c in list_conflicts(ledger, open_only=False)}
    # The push's own merge (the server had moved on) is a row of its own, merged at once.
    assert settled[conflict["id"]] == "local"
    assert desk.pull()[0] == 0


def test_an_illegal_server_status_cannot_be_taken_but_local_restores_it(
    fhir_base_url: str, tmp_path: Path
):
    desk = Desk(fhir_base_url, tmp_path)
    desk.record("T-2")["status"] = "completed"
    assert desk.push()[0] == 0
    desk.provider_sets("T-2", status="requested")  # completed -> requested: no table allows it
    assert desk.pull()[0] == 1
    [conflict] = _open(desk)
    assert conflict["kind"] == "illegal-change"

    with Ledger.open(desk.ledger_url) as ledger:
        with pytest.raises(ConflictError, match="the server's values"):
            resolve_conflict(ledger, conflict["id"], "server")
        assert desk.record("T-2", desk.stored())["status"] == "completed"
        resolve_conflict(ledger, conflict["id"], "local")

    assert desk.push()[0] == 0
    assert desk.read("T-2")["status"] == "completed"


def test_the_service_lists_shows_and_resolves_conflicts(fhir_base_url: str, tmp_path: Path):
    desk = Desk(fhir_base_url, tmp_path)
    assert desk.push()[0] == 0
    desk.provider_sets("G-1", description={"text": "Walk 30 minutes a day"})
    assert desk.pull()[0] == 1
    settings = load_settings(
        fhir_base_url=fhir_base_url, ledger_url=desk.ledger_url, api_token=TOKEN
    )
    asyncio.run(_settle_over_http(create_app(settings), desk.case["id"]))
    assert desk.record("G-1", desk.stored())["description"] == "Walk 30 minutes a day"


async def _settle_over_http(app: FastAPI, case_id: str) -> None:
    async for client in serve(app):
        [listed] = (await client.get("/conflicts", params={"case_id": case_id})).json()
        assert listed["resource"]["type"] == "Goal"
        one = (await client.get(f"/conflicts/{listed['id']}")).json()
        assert one == listed
        assert (await client.get("/conflicts/999999")).status_code == 404
        bad = await client.post(f"/conflicts/{listed['id']}/resolve", json={"take": "both"})
        assert bad.status_code == 422
        done = await client.post(f"/conflicts/{listed['id']}/resolve", json={"take": "server"})
        assert done.status_code == 200, done.text
        assert done.json()["conflict"]["resolution"] == "server"
        assert done.json()["changed_paths"] == ["plan.goals[0].description"]
        again = await client.post(f"/conflicts/{listed['id']}/resolve", json={"take": "local"})
        assert again.status_code == 409
        assert again.json()["resourceType"] == "OperationOutcome"
        assert (await client.get("/conflicts")).json() == []


def test_a_merge_conflict_is_closed_when_a_later_push_writes_the_case_managers_side_back(
    fhir_base_url: str, tmp_path: Path
):
    # Found by the state machine (test_loop_states): both sides reworded T-2, the push could
    # not merge; a pull then made the provider's wording a case-management dispute, the next
    # push wrote the case manager's wording back and closed that, but left the merge's own
    # conflict open for ever, about a difference that no longer existed.
    desk = Desk(fhir_base_url, tmp_path)
    assert desk.push()[0] == 0
    desk.record("T-2")["description"] = "Case manager's wording"
    desk.provider_sets("T-2", description="Provider's wording")
    assert desk.push()[0] == 1
    assert [c["kind"] for c in _open(desk)] == ["push-merge"]

    assert desk.pull()[0] == 1  # the provider's wording: a case-management dispute
    code, out = desk.push()

    assert code == 0, out
    assert desk.read("T-2")["description"] == "Case manager's wording"
    assert _open(desk) == []
    with Ledger.open(desk.ledger_url) as ledger:
        settled = list_conflicts(ledger, open_only=False)
    assert {c.resolution for c in settled if c.kind in ("push-merge", "case-management-owned")} >= {
        "restored"
    }


def test_a_pull_between_taking_local_and_the_push_is_no_false_alarm(
    fhir_base_url: str, tmp_path: Path
):
    desk = Desk(fhir_base_url, tmp_path)
    assert desk.push()[0] == 0
    desk.provider_sets("T-2", description="Provider's wording")
    assert desk.pull()[0] == 1
    [conflict] = _open(desk)
    assert desk.local("conflicts", "resolve", str(conflict["id"]), "--take", "local")[0] == 0

    code, out = desk.pull()  # reads the provider's version again (the same --since)

    assert code == 0, out
    assert "went back in time" not in out
    assert _open(desk) == []
    assert desk.push()[0] == 0
    assert desk.read("T-2").get("description") == desk.record("T-2").get("description")
    with Ledger.open(desk.ledger_url) as ledger:
        assert ledger.conflict(conflict["id"]).resolution == "local"  # type: ignore[union-attr]

"""Issue 14, item 3: the change feed back to the case-management system, against HAPI.

A provider completes a task; the pull's JSON names the field (path, old, new, the server's
resource and version), the ledger numbers it with a cursor, ``case export --changed-since``
and ``GET /changes`` hand it on, and a push's merge feeds its changes the same way.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from adapter.api import create_app
from adapter.settings import load_settings
from adapter.sync.ledger import Ledger
from tests.integration.loop_support import Desk
from tests.support.api import TOKEN, serve

pytestmark = pytest.mark.integration


def _task_path(desk: Desk, record_id: str, name: str) -> str:
    index = next(i for i, t in enumerate(desk.stored()["tasks"]) if t["id"] == record_id)
    return f"tasks[{index}].{name}"


def test_pull_json_lists_each_changed_field_with_its_server_version(
    fhir_base_url: str, tmp_path: Path
):
    desk = Desk(fhir_base_url, tmp_path)
    assert desk.push()[0] == 0
    desk.provider_sets("T-2", status="completed")
    kind, ident = desk.resource_id("T-2")
    version = desk.read("T-2")["meta"]["versionId"]

    code, out = desk.pull("--json")

    assert code == 0, out
    body = json.loads(out)
    assert body["cursor"] >= 1
    [case] = body["cases"]
    assert case["case_id"] == desk.case["id"]
    assert {
        "path": _task_path(desk, "T-2", "status"),
        "old": "in-progress",
        "new": "completed",
        "origin": "pull",
        "resource": {"type": kind, "id": ident, "version": version},
    } in case["changes"]
    # Numbered in the ledger with the stored case: the feed after 0 holds the same rows.
    with Ledger.open(desk.ledger_url) as ledger:
        rows = ledger.changes_since(0)
    assert [r.path for r in rows] == [c["path"] for c in case["changes"]]
    assert rows[-1].id == body["cursor"]

    code, out = desk.pull("--json")  # nothing new: no rows, the cursor stays

    assert json.loads(out)["cases"] == []
    assert json.loads(out)["cursor"] == body["cursor"]

    out_dir = tmp_path / "export"
    code, out = desk.local("case", "export", "--out", str(out_dir), "--changed-since", "0")
    assert code == 0, out
    assert [p.name for p in out_dir.iterdir()] == [f"{desk.case['id']}.json"]
    assert f"change feed cursor {body['cursor']}" in out
    exported = json.loads((out_dir / f"{desk.case['id']}.json").read_text())
    assert desk.record("T-2", exported)["status"] == "completed"

    later = tmp_path / "later"
    since = str(body["cursor"])
    code, out = desk.local("case", "export", "--out", str(later), "--changed-since", since)
    assert code == 0, out
    assert list(later.iterdir()) == []

    code, out = desk.local("case", "export", "--out", str(later), "--changed-since", "x1")
    assert code == 2
    assert "--changed-since: not a whole number" in out


def test_a_push_merge_feeds_what_it_took_from_the_server(fhir_base_url: str, tmp_path: Path):
    desk = Desk(fhir_base_url, tmp_path)
    assert desk.push()[0] == 0
    desk.provider_sets("T-3", status="completed")
    desk.record("T-3")["description"] = "Cardiology follow-up, booked by the clinic"

    code, out = desk.push()

    assert code == 0, out
    assert "merged 1" in out
    with Ledger.open(desk.ledger_url) as ledger:
        rows = ledger.changes_since(0)
    written = desk.read("T-3")["meta"]["versionId"]
    assert [(r.origin, r.path, r.old, r.new, r.version_id) for r in rows] == [
        ("push-merge", _task_path(desk, "T-3", "status"), "requested", "completed", written)
    ]
    code, out = desk.pull("--json")  # the merged version is known: fed once, not twice
    assert json.loads(out)["cases"] == []


def test_get_changes_pages_by_cursor_and_refuses_bad_cursors(fhir_base_url: str, tmp_path: Path):
    desk = Desk(fhir_base_url, tmp_path)
    assert desk.push()[0] == 0
    desk.provider_sets("T-2", status="completed", statusReason={"text": "done at the visit"})
    assert desk.pull()[0] == 0
    settings = load_settings(
        fhir_base_url=fhir_base_url, ledger_url=desk.ledger_url, api_token=TOKEN
    )
    asyncio.run(_read_the_feed(create_app(settings), _task_path(desk, "T-2", "status")))


async def _read_the_feed(app: FastAPI, status_path: str) -> None:
    async for client in serve(app):
        first = (await client.get("/changes", params={"since": "0", "limit": "1"})).json()
        assert len(first["changes"]) == 1
        assert first["more"] is True
        assert first["changes"][0]["cursor"] == first["next_cursor"]
        rest = (await client.get("/changes", params={"since": first["next_cursor"]})).json()
        assert rest["more"] is False
        paths = {c["path"] for c in [*first["changes"], *rest["changes"]]}
        assert status_path in paths
        assert any(p.startswith(status_path.replace("status", "status_reason")) for p in paths)
        empty = (await client.get("/changes", params={"since": rest["next_cursor"]})).json()
        assert empty == {"changes": [], "next_cursor": rest["next_cursor"], "more": False}

        for bad in (str(2**64), "-1", "abc", "1.5", "99999999999999999999999"):
            answer = await client.get("/changes", params={"since": bad})
            assert answer.status_code == 400, bad
            outcome: dict[str, Any] = answer.json()
            assert outcome["resourceType"] == "OperationOutcome"
            assert "since" in outcome["issue"][0]["diagnostics"]
    async for anonymous in serve(app, token=None):
        assert (await anonymous.get("/changes")).status_code == 401

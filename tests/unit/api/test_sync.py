"""/sync: validation of the request, one run at a time, and run status from the ledger."""

from __future__ import annotations

import asyncio

from adapter.sync.ledger import RunKind, RunStatus
from tests.support.api import referred_case


async def test_second_run_while_one_is_going_is_409(app, client):
    release = asyncio.Event()
    app.state.adapter.runs.start(RunKind.PULL, release.wait)
    try:
        response = await client.post("/sync")
        assert response.status_code == 409
        assert response.json()["issue"][0]["code"] == "conflict"
        assert "pull run is already in progress" in response.text
    finally:
        release.set()
        await app.state.adapter.runs.wait()


async def test_unknown_case_ids_are_404_and_start_nothing(app, client):
    await client.post("/cases", json=referred_case("API-S1"))
    response = await client.post("/sync", json={"case_ids": ["API-S1", "API-NOPE"]})
    assert response.status_code == 404
    assert "API-NOPE" in response.text
    assert "API-S1" not in response.json()["issue"][0]["diagnostics"]
    assert app.state.adapter.ledger.runs(5) == []


async def test_malformed_sync_requests_are_422(client):
    bad_bodies = [
        {"case_ids": []},
        {"case_ids": "API-S1"},
        {"case_ids": ["not an id!"]},
        {"everything": True},
        ["API-S1"],
    ]
    for body in bad_bodies:
        response = await client.post("/sync", json=body)
        assert response.status_code == 422, body
        assert response.json()["resourceType"] == "OperationOutcome"
    broken = await client.post(
        "/sync", content=b"{case_ids", headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 422


async def test_run_status_comes_from_the_ledger(app, client):
    ledger = app.state.adapter.ledger
    run = ledger.start_run(RunKind.PUSH, "http://fhir.test/fhir", cases_total=3)
    ledger.finish_run(run.id, RunStatus.COMPLETED, summary={"written": 0})
    response = await client.get(f"/sync/runs/{run.id}")
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["kind"], body["status"]) == (run.id, "push", "completed")
    assert body["cases_total"] == 3
    assert body["summary"] == {"written": 0}


async def test_unknown_run_is_404(client):
    assert (await client.get("/sync/runs/424242")).status_code == 404
    assert (await client.get("/sync/runs/not-a-number")).status_code == 422


async def test_run_list_is_newest_first(app, client):
    ledger = app.state.adapter.ledger
    first = ledger.start_run(RunKind.PUSH, "http://fhir.test/fhir")
    second = ledger.start_run(RunKind.PULL, "http://fhir.test/fhir")
    response = await client.get("/sync/runs", params={"limit": 5})
    assert response.status_code == 200
    assert [(r["id"], r["kind"]) for r in response.json()] == [
        (second.id, "pull"),
        (first.id, "push"),
    ]


async def test_unreachable_fhir_server_is_504_and_starts_no_run(app, client):
    await client.post("/cases", json=referred_case("API-S2"))
    response = await client.post("/sync")
    assert response.status_code == 504
    assert response.json()["issue"][0]["code"] == "timeout"
    assert app.state.adapter.ledger.runs(5) == []
    assert app.state.adapter.ledger.dead_letters() == []

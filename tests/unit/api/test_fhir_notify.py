"""/fhir/notify: every shape of rest-hook notification answers at once and leads to one pull."""

from __future__ import annotations

import asyncio
from typing import Any

from adapter.sync.ledger import Run, RunKind
from tests.support.api import NOTIFY_TOKEN

NOTIFY = {"Authorization": f"Bearer {NOTIFY_TOKEN}"}


def _pull_runs(app) -> list[Run]:
    return [run for run in app.state.adapter.ledger.runs(50) if run.kind == RunKind.PULL]


def _status_bundle(kind: str) -> dict[str, Any]:
    status = {"resourceType": "SubscriptionStatus", "status": "active", "type": kind}
    return {
        "resourceType": "Bundle",
        "type": "subscription-notification",
        "entry": [{"resource": status}],
    }


async def test_empty_notification_starts_a_pull_run(app, anonymous):
    response = await anonymous.post("/fhir/notify", headers=NOTIFY)
    assert response.status_code == 200
    assert response.json()["issue"][0]["severity"] == "information"
    await app.state.adapter.runs.wait()
    assert len(_pull_runs(app)) == 1


async def test_hapi_put_and_delete_deliveries_start_a_pull(app, client):
    task = {"resourceType": "Task", "id": "cm-task-1", "status": "completed"}
    assert (await client.put("/fhir/notify/Task/cm-task-1", json=task)).status_code == 200
    await app.state.adapter.runs.wait()
    assert (await client.delete("/fhir/notify/Task/cm-task-1")).status_code == 200
    await app.state.adapter.runs.wait()
    assert len(_pull_runs(app)) == 2


async def test_event_bundle_starts_a_pull(app, client):
    response = await client.post("/fhir/notify", json=_status_bundle("event-notification"))
    assert response.status_code == 200
    await app.state.adapter.runs.wait()
    assert len(_pull_runs(app)) == 1


async def test_handshake_and_heartbeat_start_nothing(app, client):
    for kind in ("handshake", "heartbeat"):
        response = await client.post("/fhir/notify", json=_status_bundle(kind))
        assert response.status_code == 200
        assert "no pull" in response.text
    backport = {
        "resourceType": "Bundle",
        "type": "history",
        "entry": [
            {
                "resource": {
                    "resourceType": "Parameters",
                    "parameter": [{"name": "type", "valueCode": "heartbeat"}],
                }
            }
        ],
    }
    assert (await client.post("/fhir/notify", json=backport)).status_code == 200
    await app.state.adapter.runs.wait()
    assert _pull_runs(app) == []


async def test_a_burst_during_a_run_becomes_one_more_pull(app, client):
    release = asyncio.Event()
    app.state.adapter.runs.start(RunKind.PUSH, release.wait)
    for _ in range(5):
        response = await client.post("/fhir/notify")
        assert response.status_code == 200
        assert "queued" in response.text
    release.set()
    await app.state.adapter.runs.wait()
    assert len(_pull_runs(app)) == 1


async def test_a_body_that_is_not_fhir_is_400_and_starts_nothing(app, client):
    for body in (b"{not json", b"[1, 2]", b'{"no": "resourceType"}', b"\xff\xfe"):
        response = await client.post(
            "/fhir/notify", content=body, headers={"Content-Type": "application/fhir+json"}
        )
        assert response.status_code == 400, body
    await app.state.adapter.runs.wait()
    assert _pull_runs(app) == []


async def test_malformed_resource_path_is_422(client):
    response = await client.put("/fhir/notify/Task/bad id", json={"resourceType": "Task"})
    assert response.status_code == 422


def _numbered(count: int, kind: str = "event-notification") -> dict[str, Any]:
    bundle = _status_bundle(kind)
    status = bundle["entry"][0]["resource"]
    status["subscription"] = {"reference": "Subscription/referrals"}
    status["eventsSinceSubscriptionStart"] = str(count)
    if kind == "event-notification":
        status["notificationEvent"] = [{"eventNumber": str(count)}]
    return bundle


async def test_a_gap_in_the_event_numbers_asks_for_a_referral_poll(app, client):
    assert "never came" not in (await client.post("/fhir/notify", json=_numbered(1))).text
    await app.state.adapter.runs.wait()

    response = await client.post("/fhir/notify", json=_numbered(4))

    assert response.status_code == 200
    assert "events 2-3 never came: the referral Tasks are polled first" in response.text
    assert app.state.adapter.referral_poll.pending or len(_pull_runs(app)) == 2
    await app.state.adapter.runs.wait()
    assert not app.state.adapter.referral_poll.pending  # the run took it
    assert len(_pull_runs(app)) == 2
    ledger = app.state.adapter.ledger
    assert ledger.get_setting("notification-events|Subscription/referrals") == "4"


async def test_a_heartbeat_showing_missed_events_starts_a_pull(app, client):
    assert (await client.post("/fhir/notify", json=_numbered(2))).status_code == 200
    await app.state.adapter.runs.wait()

    response = await client.post("/fhir/notify", json=_numbered(3, kind="heartbeat"))

    assert "events 3 never came" in response.text
    await app.state.adapter.runs.wait()
    assert len(_pull_runs(app)) == 2
    quiet = await client.post("/fhir/notify", json=_numbered(3, kind="heartbeat"))
    assert "no pull" in quiet.text

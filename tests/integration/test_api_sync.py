"""The HTTP service end to end against the real local HAPI: cases in, POST /sync, resources out."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from adapter.api import create_app
from adapter.fhir import open_client
from adapter.settings import load_settings
from tests.support.api import TOKEN, referred_case, serve

pytestmark = pytest.mark.integration


def _unique_case() -> dict[str, Any]:
    tag = uuid.uuid4().hex[:12]
    case = referred_case(f"IT-API-{tag}")
    case["client"]["id"] = f"CL-API-{tag}"
    case["client"]["identifiers"][0]["value"] = f"MRN-{tag}"
    case["referral"]["id"] = f"REF-API-{tag}"
    return case


def _counter(text: str, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


@pytest.fixture
def settings(fhir_base_url, tmp_path):
    return load_settings(
        fhir_base_url=fhir_base_url,
        ledger_url=f"sqlite:///{tmp_path / 'ledger.db'}",
        api_token=TOKEN,
    )


async def test_post_sync_pushes_the_stored_case_and_the_run_shows_its_counts(settings):
    app = create_app(settings)
    case = _unique_case()
    async for client in serve(app):
        assert (await client.post("/cases", json=case)).status_code == 201
        bundle = (await client.get(f"/cases/{case['id']}/fhir")).json()

        started = await client.post("/sync", json={"case_ids": [case["id"]]})
        assert started.status_code == 202
        run_id = started.json()["run_id"]
        # A new version during the push is refused (409) or, once it is done, kept: never lost.
        newer = await client.post("/cases", json={**case, "status": "screening"})
        assert newer.status_code in (200, 409)
        await app.state.adapter.runs.wait()
        kept = (await client.get(f"/cases/{case['id']}")).json()["status"]
        assert kept == ("screening" if newer.status_code == 200 else "referred")
        assert app.state.adapter.pushing == set()

        run = (await client.get(f"/sync/runs/{run_id}")).json()
        assert run["status"] == "completed", run
        assert (run["kind"], run["cases_total"], run["cases_ok"], run["cases_failed"]) == (
            "push",
            1,
            1,
            0,
        )
        assert run["resources_written"] == len(bundle["entry"])

        await client.post("/cases", json=case)  # back to the version pushed (if it changed)
        again = await client.post("/sync", json={"case_ids": [case["id"]]})
        await app.state.adapter.runs.wait()
        second = (await client.get(f"/sync/runs/{again.json()['run_id']}")).json()
        assert (second["cases_ok"], second["resources_written"]) == (1, 0)

        metrics = (await client.get("/metrics")).text
    assert _counter(metrics, "adapter_sync_runs_total", kind="push", status="completed") == 2
    assert _counter(metrics, "adapter_cases_synced_total", kind="push", outcome="written") == 1
    assert _counter(metrics, "adapter_cases_synced_total", kind="push", outcome="unchanged") == 1

    async with open_client(settings) as fhir:
        for entry in bundle["entry"]:
            resource = entry["resource"]
            stored = await fhir.read(resource["resourceType"], resource["id"])
            assert stored["id"] == resource["id"]
        episode = next(
            e["resource"]
            for e in bundle["entry"]
            if e["resource"]["resourceType"] == "EpisodeOfCare"
        )
        identifier = episode["identifier"][0]
        token = f"{identifier['system']}|{identifier['value']}"
        found = [
            r async for r in fhir.search("EpisodeOfCare", {"identifier": token}, no_cache=True)
        ]
    assert len(found) == 1


async def test_notify_pulls_and_recognises_the_cases_own_resources(settings):
    app = create_app(settings)
    case = _unique_case()
    async for client in serve(app):
        await client.post("/cases", json=case)
        await client.post("/sync", json={"case_ids": [case["id"]]})
        await app.state.adapter.runs.wait()
        pushed = len((await client.get(f"/cases/{case['id']}/fhir")).json()["entry"])

        notified = await client.post("/fhir/notify")
        assert notified.status_code == 200
        await app.state.adapter.runs.wait()

        runs = (await client.get("/sync/runs")).json()
        pull = next(run for run in runs if run["kind"] == "pull")
        assert pull["status"] == "completed", pull
        # Our own writes echo back from the server's history and are known, not re-applied.
        assert pull["summary"]["already_known"] >= pushed
        assert (await client.get(f"/cases/{case['id']}")).json()["status"] == "referred"

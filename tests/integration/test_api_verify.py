"""POST /verify against the real local HAPI: a loss behind the adapter's back is found, repaired
in the background, and the next verify agrees."""

from __future__ import annotations

import uuid

import pytest

from adapter.api import create_app
from adapter.settings import load_settings
from adapter.sync.push.marker import MARKER_TYPE
from tests.integration.push_support import wipe_namespace
from tests.support.api import TOKEN, referred_case, serve

pytestmark = pytest.mark.integration


async def test_verify_finds_what_the_server_lost_and_repair_sends_it_again(fhir_base_url, tmp_path):
    namespace = f"va{uuid.uuid4().hex[:8]}"
    settings = load_settings(
        fhir_base_url=fhir_base_url,
        ledger_url=f"sqlite:///{tmp_path / 'ledger.db'}",
        api_token=TOKEN,
        namespace=namespace,
    )
    app = create_app(settings)
    case = referred_case(f"IT-VER-{uuid.uuid4().hex[:10]}")
    async for client in serve(app):
        assert (await client.post("/cases", json=case)).status_code == 201
        assert (await client.post("/sync", json={"case_ids": [case["id"]]})).status_code == 202
        await app.state.adapter.runs.wait()
        first = (await client.post("/verify")).json()
        assert (first["agrees"], first["missing"], first["cases"]) == (True, 0, 1)

        wipe_namespace(fhir_base_url, namespace, keep=(MARKER_TYPE,))  # behind our back
        lost = await client.post("/verify", json={"case_ids": [case["id"]]})
        assert lost.status_code == 200
        found = lost.json()
        assert found["agrees"] is False
        assert found["missing"] == first["resources"] > 0
        assert [c["case"] for c in found["cases_not_ok"]] == [case["id"]]
        assert found["repair_run"] is None  # only looked

        repaired = (await client.post("/verify", json={"repair": True})).json()
        assert repaired["repair_run"]["status_url"].startswith("/sync/runs/")
        await app.state.adapter.runs.wait()
        run = (await client.get(repaired["repair_run"]["status_url"])).json()
        assert (run["status"], run["cases_failed"]) == ("completed", 0)
        after = (await client.post("/verify")).json()
        assert (after["agrees"], after["missing"], after["resources"]) == (
            True,
            0,
            first["resources"],
        )


async def test_verify_refuses_bad_bodies_without_a_500(fhir_base_url, tmp_path):
    settings = load_settings(
        fhir_base_url=fhir_base_url,
        ledger_url=f"sqlite:///{tmp_path / 'ledger.db'}",
        api_token=TOKEN,
    )
    async for client in serve(create_app(settings)):
        bodies: list[object] = [
            {"case_ids": []},
            {"case_ids": ["bad id"]},
            {"repair": {"x": 1}},
            [1],
        ]
        for body in bodies:
            assert (await client.post("/verify", json=body)).status_code == 422
        assert (await client.post("/verify", json={"cases": ["X"]})).status_code == 422
        assert (await client.post("/verify")).json()["cases"] == 0
        ready = await client.get("/health/ready")  # the real HAPI answers: ready
        assert (ready.status_code, ready.json()["fhir_server"]) == (200, "ok")

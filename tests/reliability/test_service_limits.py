"""The service never wedges: a background run that outlives ``ADAPTER_RUN_MAX_SECONDS`` is
cancelled and marked interrupted, and the next ``POST /sync`` starts instead of answering 409.

The run is held by a proxy in front of the real HAPI that trickles each transaction's answer
(a byte a second, within every read timeout, under a total deadline longer than the limit).
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest

from adapter.api import create_app
from adapter.settings import load_settings
from tests.reliability.faultproxy import FaultProxy
from tests.reliability.faults import Fault, on_transactions, passthrough
from tests.support.api import TOKEN, referred_case, serve

pytestmark = pytest.mark.integration


async def test_a_run_past_its_time_limit_is_interrupted_and_the_next_sync_starts(
    fhir_base_url: str, tmp_path: Path
):
    tag = uuid.uuid4().hex[:10]
    case = referred_case(f"SVC-{tag}")
    case["client"]["id"] = f"CL-SVC-{tag}"
    with FaultProxy(fhir_base_url, lifetime=120, trickle=1.0) as proxy:
        proxy.set_plan(on_transactions(Fault.TRICKLE, proxy.base_path))
        settings = load_settings(
            fhir_base_url=proxy.url,
            ledger_url=f"sqlite:///{tmp_path / 'ledger.db'}",
            api_token=TOKEN,
            namespace=f"svc-{tag}",
            run_max_seconds=3,
        )
        app = create_app(settings)
        async for client in serve(app):
            assert (await client.post("/cases", json=case)).status_code == 201
            first = await client.post("/sync", json={"case_ids": [case["id"]]})
            assert first.status_code == 202
            await asyncio.wait_for(app.state.adapter.runs.wait(), 60)
            run = (await client.get(f"/sync/runs/{first.json()['run_id']}")).json()
            assert run["status"] == "interrupted", run
            assert proxy.snapshot().get("trickle", 0) >= 1

            proxy.set_plan(passthrough)
            again = await client.post("/sync", json={"case_ids": [case["id"]]})
            assert again.status_code == 202, again.text  # not 409: the service is not wedged
            await asyncio.wait_for(app.state.adapter.runs.wait(), 60)
            second = (await client.get(f"/sync/runs/{again.json()['run_id']}")).json()
            assert (second["status"], second["cases_ok"]) == ("completed", 1), second

"""POST /sync/dead-letters/{id}/retry against the real HAPI: the letter's case is pushed again
in the background, lands, and the letter is resolved."""

from __future__ import annotations

import uuid

import pytest

from adapter.api import create_app
from adapter.settings import load_settings
from adapter.sync.ledger import ReasonCode, RunKind
from tests.support.api import TOKEN, referred_case, serve

pytestmark = pytest.mark.integration


async def test_a_dead_letter_is_retried_through_the_api_and_resolved(fhir_base_url, tmp_path):
    settings = load_settings(
        fhir_base_url=fhir_base_url,
        ledger_url=str(tmp_path / "ledger.db"),
        api_token=TOKEN,
        namespace=f"api-{uuid.uuid4().hex[:10]}",
    )
    app = create_app(settings)
    tag = uuid.uuid4().hex[:10]
    case = referred_case(f"IT-DLQ-{tag}")
    case["client"]["id"] = f"CL-DLQ-{tag}"
    async for client in serve(app):
        assert (await client.post("/cases", json=case)).status_code == 201
        ledger = app.state.adapter.ledger
        server = app.state.adapter.fhir.base.url
        run = ledger.start_run(RunKind.PUSH, server)
        letter = ledger.record_failure(
            run.id, server, case["id"], reason=ReasonCode.RETRIES_EXHAUSTED,
            error_class="ServerError", message="HTTP 503", status=503,
        )  # fmt: skip
        ledger.finish_run(run.id)

        started = await client.post(f"/sync/dead-letters/{letter.id}/retry")
        assert started.status_code == 202, started.text
        await app.state.adapter.runs.wait()

        done = (await client.get(started.json()["status_url"])).json()
        assert (done["status"], done["cases_ok"], done["cases_failed"]) == ("completed", 1, 0)
        assert done["resources_written"] > 0
        shown = (await client.get(f"/sync/dead-letters/{letter.id}")).json()
        assert shown["open"] is False
        assert shown["resolution"] is not None
        again = await client.post(f"/sync/dead-letters/{letter.id}/retry")
        assert again.status_code == 409
        assert again.json()["resourceType"] == "OperationOutcome"
        listed = (await client.get("/sync/dead-letters")).json()
        assert letter.id not in [item["id"] for item in listed]

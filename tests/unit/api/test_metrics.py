"""/metrics: Prometheus text from the app's own registry."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from adapter.api import create_app
from adapter.sync.ledger import ReasonCode, RunKind
from tests.support.api import referred_case, serve


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_requests_are_counted_by_route_template_and_status(client):
    await client.post("/cases", json=referred_case("API-M1"))
    await client.get("/cases/API-M1")
    await client.get("/cases/NOT-THERE")
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = _samples(response.text)
    key = "adapter_http_requests_total"
    assert (
        samples[(key, (("method", "GET"), ("route", "/cases/{case_id}"), ("status", "200")))] == 1
    )
    assert (
        samples[(key, (("method", "GET"), ("route", "/cases/{case_id}"), ("status", "404")))] == 1
    )
    assert samples[(key, (("method", "POST"), ("route", "/cases"), ("status", "201")))] == 1
    assert "API-M1" not in response.text


async def test_dead_letter_depth_is_read_from_the_ledger(app, client):
    ledger = app.state.adapter.ledger
    run = ledger.start_run(RunKind.PUSH, "http://fhir.test/fhir")
    for case_id in ("API-D1", "API-D2"):
        ledger.record_failure(
            run.id,
            "http://fhir.test/fhir",
            case_id,
            reason=ReasonCode.INVALID_RESOURCE,
            error_class="InvalidResource",
            message="rejected",
        )
    samples = _samples((await client.get("/metrics")).text)
    assert samples[("adapter_dead_letters_open", (("reason", "invalid-resource"),))] == 2


async def test_two_apps_keep_separate_counters(settings, client):
    await client.get("/cases/NOT-THERE")
    async for other in serve(create_app(settings)):
        await other.get("/cases/NOT-THERE")
        samples = _samples((await other.get("/metrics")).text)
    labels = (("method", "GET"), ("route", "/cases/{case_id}"), ("status", "404"))
    assert samples[("adapter_http_requests_total", labels)] == 1


async def test_the_access_log_names_the_route_never_ids_or_query_strings(client, caplog):
    caplog.set_level("INFO", logger="adapter.api")
    await client.get("/cases/CM-SECRET-1?mrn=MRN-778899")
    [line] = [r.getMessage() for r in caplog.records if r.name == "adapter.api"]
    assert line.startswith("GET /cases/{case_id} 404 ")
    assert "CM-SECRET-1" not in caplog.text
    assert "MRN-778899" not in caplog.text

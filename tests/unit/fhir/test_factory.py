"""open_client builds one pooled httpx client from settings; the client caps concurrency."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from adapter.errors import ServerError
from adapter.fhir import FHIRClient, open_client, probe_capabilities
from adapter.fhir.factory import BEFORE_RUN_ATTEMPTS
from adapter.settings import load_settings

from .scripted import fhir_json

STATEMENT = {"resourceType": "CapabilityStatement", "fhirVersion": "4.0.1"}


async def test_open_client_applies_settings_and_closes_the_pool(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ADAPTER_FHIR_TIMEOUTS__CONNECT", "2")
    monkeypatch.setenv("ADAPTER_FHIR_TIMEOUTS__READ", "45")
    settings = load_settings(fhir_base_url="https://hapi.fhir.org/baseR4")
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return fhir_json(STATEMENT)

    async with open_client(settings, transport=httpx.MockTransport(handler)) as client:
        assert await client.capabilities() == STATEMENT
        http = client._http
        # Phases set explicitly win; the others come from the public profile (a public sandbox).
        assert http.timeout == httpx.Timeout(connect=2.0, read=45.0, write=60.0, pool=120.0)
    assert http.is_closed
    assert str(seen[0].url) == "https://hapi.fhir.org/baseR4/metadata"


class SlowTransport(httpx.AsyncBaseTransport):
    """Counts how many requests are in flight at once."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.most = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        for _ in range(5):
            await asyncio.sleep(0)  # yield to the other tasks; no real waiting
        self.in_flight -= 1
        return fhir_json({"resourceType": "Goal", "id": "g"})


async def test_concurrency_is_capped_per_server():
    transport = SlowTransport()
    async with httpx.AsyncClient(transport=transport) as http:
        client = FHIRClient(http, "https://fhir.test/r4", max_concurrency=2)
        await asyncio.gather(*(client.read("Goal", "g") for _ in range(8)))
    assert transport.most == 2


async def test_without_a_cap_the_same_load_runs_wider():
    transport = SlowTransport()
    async with httpx.AsyncClient(transport=transport) as http:
        client = FHIRClient(http, "https://fhir.test/r4", max_concurrency=8)
        await asyncio.gather(*(client.read("Goal", "g") for _ in range(8)))
    assert transport.most > 2


def _flaky_then_fine(failures: int) -> tuple[httpx.MockTransport, list[int]]:
    answered: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        status = 503 if len(answered) < failures else 200
        answered.append(status)
        return fhir_json(STATEMENT) if status == 200 else httpx.Response(503)

    return httpx.MockTransport(handler), answered


async def test_probe_before_a_run_rides_out_one_503_while_a_ping_reports_it(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ADAPTER_FHIR_RETRY__INITIAL_WAIT", "0")
    monkeypatch.setenv("ADAPTER_FHIR_RETRY__MAX_WAIT", "0")
    settings = load_settings(fhir_base_url="http://127.0.0.1:9/fhir")

    transport, answered = _flaky_then_fine(failures=1)
    found = await probe_capabilities(settings, attempts=BEFORE_RUN_ATTEMPTS, transport=transport)
    assert found == STATEMENT
    assert answered == [503, 200]

    transport, answered = _flaky_then_fine(failures=1)
    with pytest.raises(ServerError):
        await probe_capabilities(settings, transport=transport)  # a ping: one attempt
    assert answered == [503]

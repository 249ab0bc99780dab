"""Bulk Data $export polling: faults a real HAPI does not produce on demand (its Retry-After is
always 120 s; a server without $export). The export itself is tested on HAPI
(tests/integration/test_import_bulk.py)."""

from __future__ import annotations

import httpx
import pytest

from adapter.errors import UnsupportedByServer
from adapter.fhir import open_client
from adapter.fhir.bulk import export
from adapter.settings import Settings, load_settings

BASE = "https://fhir.example.org/r4"


def _settings() -> Settings:
    return load_settings(fhir_base_url=BASE)


async def test_polling_honours_retry_after_up_to_the_cap_and_reads_the_manifest():
    polls = iter([("3", 202), ("60", 202), (None, 200)])

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/Patient/$export"):
            assert request.headers["prefer"] == "respond-async"
            assert request.url.params["_type"] == "Patient,EpisodeOfCare"
            return httpx.Response(202, headers={"Content-Location": f"{BASE}/status/1"})
        retry, status = next(polls)
        if status == 202:
            return httpx.Response(202, headers={"Retry-After": retry} if retry else {})
        manifest = {
            "transactionTime": "2026-01-01T00:00:00Z",
            "output": [{"type": "Patient", "url": f"{BASE}/Binary/a"}],
            "error": [],
        }
        return httpx.Response(200, json=manifest)

    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async with open_client(_settings(), transport=httpx.MockTransport(handler)) as client:
        manifest = await export(
            client, types=["Patient", "EpisodeOfCare"], poll_cap=10.0, sleep=sleep
        )

    assert slept == [3.0, 10.0]  # as asked; 60 s asked, capped at 10
    assert manifest.transaction_time == "2026-01-01T00:00:00Z"
    assert [(f.type, f.url) for f in manifest.files] == [("Patient", f"{BASE}/Binary/a")]


async def test_a_server_without_export_is_named_as_such():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"resourceType": "OperationOutcome", "issue": []})

    async with open_client(_settings(), transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(UnsupportedByServer, match="no bulk \\$export"):
            await export(client, types=["Patient"])

"""Bounded requests: a total deadline per request (not per read) and a maximum answer size.

A scripted server streams the answers, because these are the faults a real server will not
produce on demand; tests/reliability/test_lying_server.py does the same through a proxy in
front of the real HAPI.
"""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import AsyncIterator

import httpx
import pytest

from adapter.errors import DeadlineExceeded, FHIRTransportError, ResponseError, ResponseTooLarge
from adapter.fhir import FHIRClient, RetryPolicy
from adapter.politeness import politeness
from adapter.settings import load_settings

BASE = "https://fhir.test/r4"
ONCE = RetryPolicy(max_attempts=1).no_wait()
FHIR = {"Content-Type": "application/fhir+json"}
PATIENT = {"resourceType": "Patient", "id": "p1"}


class Body:
    """An answer body that counts how much of it was asked for."""

    def __init__(self, chunk: bytes, *, pause: float = 0.0, count: int | None = None) -> None:
        self.chunk, self.pause, self.count = chunk, pause, count
        self.served = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.count is None or self.served < self.count:
            self.served += 1
            yield self.chunk
            await asyncio.sleep(self.pause)


def _client(http: httpx.AsyncClient, **limits: float) -> FHIRClient:
    return FHIRClient(http, BASE, policy=ONCE, **limits)  # type: ignore[arg-type]


async def _read_with(answer: httpx.Response, **limits: float) -> dict[str, object]:
    transport = httpx.MockTransport(lambda _: answer)
    async with httpx.AsyncClient(transport=transport) as http:
        return await _client(http, **limits).read("Patient", "p1")


async def test_a_trickling_answer_fails_at_the_total_deadline_though_every_read_is_quick():
    body = Body(b" ", pause=0.02)
    answer = httpx.Response(200, headers=FHIR, content=body)
    with pytest.raises(DeadlineExceeded) as caught:
        await _read_with(answer, deadline=0.3)
    assert isinstance(caught.value, FHIRTransportError)
    assert caught.value.request_sent
    assert "within 0.3 s" in str(caught.value)
    assert body.served > 3  # bytes kept coming: a per-read timeout would never have fired


async def test_an_endless_answer_stops_being_read_past_the_size_limit():
    body = Body(b"x" * 65_536)
    answer = httpx.Response(200, headers=FHIR, content=body)
    with pytest.raises(ResponseTooLarge) as caught:
        await _read_with(answer, max_response_bytes=1_048_576)
    assert isinstance(caught.value, ResponseError)
    assert caught.value.limit == 1_048_576
    assert body.served == 17  # 16 chunks fit, the 17th crossed the limit: nothing more read


async def test_an_answer_declaring_a_huge_length_is_refused_before_reading_it():
    body = Body(b"x" * 65_536, count=6400)
    headers = {**FHIR, "Content-Length": str(400 * 1024 * 1024)}
    answer = httpx.Response(200, headers=headers, content=body)
    with pytest.raises(ResponseTooLarge, match="declares more than"):
        await _read_with(answer, max_response_bytes=1_048_576)
    assert body.served == 0


async def test_an_answer_within_the_limits_is_read_and_decoded_once():
    packed = gzip.compress(json.dumps(PATIENT).encode())
    headers = {**FHIR, "Content-Encoding": "gzip", "Content-Length": str(len(packed))}
    answer = httpx.Response(200, headers=headers, content=Body(packed, count=1))
    assert await _read_with(answer, deadline=5, max_response_bytes=2048) == PATIENT


async def test_the_size_limit_counts_the_decoded_answer():
    packed = gzip.compress(b" " * 500_000 + json.dumps(PATIENT).encode())
    headers = {**FHIR, "Content-Encoding": "gzip"}
    answer = httpx.Response(200, headers=headers, content=Body(packed, count=1))
    assert len(packed) < 10_000
    with pytest.raises(ResponseTooLarge):
        await _read_with(answer, max_response_bytes=100_000)


def test_limits_have_defaults_and_come_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    defaults = load_settings(fhir_base_url="http://127.0.0.1:8080/fhir")
    assert politeness(defaults).timeouts.total == 120
    assert defaults.fhir_max_response_bytes == 64 * 1024 * 1024
    assert defaults.run_max_seconds == 4 * 3600
    public = load_settings(fhir_base_url="https://hapi.fhir.org/baseR4")
    assert politeness(public).timeouts.total == 300
    monkeypatch.setenv("ADAPTER_FHIR_TIMEOUTS__TOTAL", "7")
    monkeypatch.setenv("ADAPTER_FHIR_MAX_RESPONSE_BYTES", "2000000")
    monkeypatch.setenv("ADAPTER_RUN_MAX_SECONDS", "60")
    chosen = load_settings(fhir_base_url="https://hapi.fhir.org/baseR4")
    assert politeness(chosen).timeouts.total == 7
    assert (chosen.fhir_max_response_bytes, chosen.run_max_seconds) == (2_000_000, 60)

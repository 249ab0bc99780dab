"""The politeness profile in the client: a token bucket and a concurrency cap, on a fake clock."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from adapter.fhir import FHIRClient, open_client
from adapter.fhir.ratelimit import RateLimiter
from adapter.settings import load_settings

from .scripted import BASE, NO_WAIT, fhir_json, outcome


class FakeClock:
    """Time that only moves when someone sleeps; sleeping also lets other tasks run."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


class Recorder(httpx.AsyncBaseTransport):
    """Stamps each request with the fake time and counts how many are in flight at once."""

    def __init__(self, clock: FakeClock, *answers: httpx.Response) -> None:
        self.clock = clock
        self.answers = list(answers)
        self.times: list[float] = []
        self.in_flight = 0
        self.most = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.times.append(self.clock())
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        for _ in range(5):
            await asyncio.sleep(0)  # let the other tasks pile up; no real waiting
        self.in_flight -= 1
        if self.answers:
            return self.answers.pop(0)
        return fhir_json({"resourceType": "Goal", "id": "g"})


def _most_in_any_second(times: list[float]) -> int:
    return max(sum(1 for t in times if start <= t < start + 1.0 - 1e-9) for start in times)


async def test_bucket_spaces_requests_at_the_rate_after_the_burst():
    clock = FakeClock()
    limiter = RateLimiter(5.0, burst=2, clock=clock, sleep=clock.sleep)
    stamps = []
    for _ in range(6):
        await limiter.acquire()
        stamps.append(round(clock(), 6))
    assert stamps == [0.0, 0.0, 0.2, 0.4, 0.6, 0.8]


async def test_bucket_refills_while_idle_but_never_beyond_the_burst():
    clock = FakeClock()
    limiter = RateLimiter(5.0, burst=2, clock=clock, sleep=clock.sleep)
    await limiter.acquire()
    clock.now = 100.0
    stamps = []
    for _ in range(3):
        await limiter.acquire()
        stamps.append(round(clock(), 6))
    assert stamps == [100.0, 100.0, 100.2]


@pytest.mark.parametrize(("rate", "burst"), [(0, 1), (-1, 1), (5, 0)])
def test_bucket_refuses_meaningless_limits(rate, burst):
    with pytest.raises(ValueError, match="rate"):
        RateLimiter(rate, burst=burst)


async def test_client_under_load_keeps_both_the_rate_and_the_concurrency_cap():
    clock = FakeClock()
    recorder = Recorder(clock)
    limiter = RateLimiter(5.0, burst=5, clock=clock, sleep=clock.sleep)
    async with httpx.AsyncClient(transport=recorder) as http:
        client = FHIRClient(http, BASE, max_concurrency=2, rate_limiter=limiter)
        await asyncio.gather(*(client.read("Goal", "g") for _ in range(30)))
    assert len(recorder.times) == 30
    assert recorder.most == 2
    assert _most_in_any_second(recorder.times) <= 5 + 5
    # 30 requests at 5/s after a burst of 5 take (30 - 5) / 5 seconds of (fake) time.
    assert recorder.times[-1] == pytest.approx(5.0)


async def test_retries_take_tokens_too():
    clock = FakeClock()
    recorder = Recorder(clock, outcome(429, "slow down", **{"Retry-After": "0"}))
    limiter = RateLimiter(5.0, burst=1, clock=clock, sleep=clock.sleep)
    async with httpx.AsyncClient(transport=recorder) as http:
        client = FHIRClient(http, BASE, policy=NO_WAIT, rate_limiter=limiter)
        await client.read("Goal", "g")
    assert [round(t, 6) for t in recorder.times] == [0.0, 0.2]


async def test_open_client_paces_a_public_server_and_not_a_local_one(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    public = load_settings(fhir_base_url="https://hapi.fhir.org/baseR4")
    local = load_settings(fhir_base_url="http://127.0.0.1:8080/fhir")
    transport = httpx.MockTransport(lambda request: fhir_json({"resourceType": "Goal"}))
    async with open_client(public, transport=transport) as client:
        limiter = client._transport.rate_limiter
        assert limiter is not None
        assert (limiter.rate, limiter.burst) == (5.0, 5)
        assert client._transport.max_concurrency == 2
        assert client._http.timeout.read == 90.0
    async with open_client(local, transport=transport) as client:
        assert client._transport.rate_limiter is None
        assert client._transport.max_concurrency == 8

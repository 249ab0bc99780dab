"""The send window: a fixed limit, or one that finds its size by measured throughput."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest

from adapter.errors import FHIRStatusError
from adapter.fhir.transport import Transport
from adapter.fhir.urls import BaseURL
from adapter.fhir.window import SendWindow


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def answer(
    window: SendWindow, clock: Clock, answers: int, seconds: Callable[[int], float]
) -> None:
    """Keep the window full with one request waiting; each answer takes ``seconds(size)``."""
    for _ in range(answers):
        while window.in_flight < window.size:
            await window.acquire()
        waiting = asyncio.ensure_future(window.acquire())
        await asyncio.sleep(0)
        clock.now += seconds(window.size)
        window.release()
        while not waiting.done():  # the window shrank: more answers must come in first
            window.release()
            await asyncio.sleep(0)
        await waiting
    while window.in_flight:
        window.release()


def far_server(size: int) -> float:
    """A server behind a long round trip: latency flat, so the rate grows with the window."""
    return 0.1 / size


def busy_server(size: int) -> float:
    """A server that is its own bottleneck: the same rate whatever the window."""
    return 0.025


async def test_a_fixed_window_never_lets_more_through_than_its_size() -> None:
    window = SendWindow(3)
    for _ in range(3):
        await window.acquire()
    fourth = asyncio.ensure_future(window.acquire())
    await asyncio.sleep(0)
    assert not fourth.done()
    assert window.in_flight == 3
    window.release()
    await fourth
    assert (window.in_flight, window.size, window.history) == (3, 3, [3])


async def test_waiters_are_served_in_order_and_a_cancelled_one_gives_up_its_place() -> None:
    window = SendWindow(1)
    await window.acquire()
    order: list[str] = []

    async def take(name: str) -> None:
        await window.acquire()
        order.append(name)

    first, second, third = (asyncio.ensure_future(take(n)) for n in "abc")
    await asyncio.sleep(0)
    second.cancel()
    await asyncio.sleep(0)
    window.release()
    await first
    window.release()
    await third
    assert (order, window.in_flight) == (["a", "c"], 1)


async def test_an_adaptive_window_grows_to_the_ceiling_for_a_far_server() -> None:
    clock = Clock()
    window = SendWindow(8, adaptive=True, clock=clock)
    assert window.size == 4
    await answer(window, clock, 200, far_server)
    assert window.size == 8
    assert window.history[:5] == [4, 5, 6, 7, 8]


async def test_an_adaptive_window_steps_back_and_holds_for_a_busy_server() -> None:
    clock = Clock()
    window = SendWindow(8, adaptive=True, clock=clock)
    await answer(window, clock, 400, busy_server)
    # Probes 5, finds no gain, goes back to 4 and holds; never climbs past 5.
    assert max(window.history) == 5
    assert window.size in (4, 5)
    assert window.history[:3] == [4, 5, 4]


async def test_overload_halves_the_window_at_once() -> None:
    clock = Clock()
    window = SendWindow(8, adaptive=True, clock=clock)
    await answer(window, clock, 200, far_server)
    assert window.size == 8
    await window.acquire()
    window.release(overloaded=True)
    assert window.size == 4
    # ...and, after the hold, climbs back while the far server rewards it.
    await answer(window, clock, 600, far_server)
    assert window.size == 8


async def test_a_window_the_caller_never_fills_does_not_grow() -> None:
    clock = Clock()
    window = SendWindow(8, adaptive=True, clock=clock)
    for _ in range(100):
        await window.acquire()
        clock.now += 0.01
        window.release()
    assert window.history == [4]


async def test_a_fixed_window_ignores_overload() -> None:
    window = SendWindow(4)
    await window.acquire()
    window.release(overloaded=True)
    assert window.size == 4


def test_a_window_needs_a_ceiling() -> None:
    with pytest.raises(ValueError, match="ceiling"):
        SendWindow(0)


async def test_the_transport_tells_the_window_of_a_429() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": "1"}, json={})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        transport = Transport(
            http, BaseURL("http://fhir.test/fhir"), max_concurrency=8, adaptive=True
        )
        assert transport.window.size == 4
        with pytest.raises(FHIRStatusError):
            await transport.send(http.build_request("GET", "http://fhir.test/fhir/Patient/1"))
        assert (transport.window.size, transport.window.in_flight) == (2, 0)

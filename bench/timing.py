"""Per-request and per-case timing at the HTTP seam, the same for the adapter and B0.

The adapter's own client is built by ``open_client``; handing it a :class:`TimedTransport`
times every request without touching the adapter's code. A case's latency runs from its
first request to the moment it is reported done; cases are told apart by their asyncio task
(the push engine runs every case in a task of its own).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import httpx

__all__ = ["Recorder", "TimedTransport", "pooled_transport"]


@dataclass
class Recorder:
    """Latencies in seconds; ``requests`` counts every request, including failed ones."""

    request_seconds: list[float] = field(default_factory=list)
    case_seconds: list[float] = field(default_factory=list)
    _first: dict[int, float] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        return len(self.request_seconds)

    def started(self, at: float) -> None:
        """A request began in the current task; the first one starts that task's case."""
        self._first.setdefault(_task_id(), at)

    def finished(self, started: float, at: float) -> None:
        self.request_seconds.append(at - started)

    def case_done(self) -> None:
        """The current task's case is done; a case that made no request has no latency."""
        first = self._first.pop(_task_id(), None)
        if first is not None:
            self.case_seconds.append(time.perf_counter() - first)


def _task_id() -> int:
    task = asyncio.current_task()
    return id(task) if task is not None else 0


class TimedTransport(httpx.AsyncBaseTransport):
    """Wraps a transport; the time counted includes reading the whole response body."""

    def __init__(self, inner: httpx.AsyncBaseTransport, recorder: Recorder) -> None:
        self.inner = inner
        self.recorder = recorder

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        start = time.perf_counter()
        self.recorder.started(start)
        try:
            response = await self.inner.handle_async_request(request)
            await response.aread()
        finally:
            self.recorder.finished(start, time.perf_counter())
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def pooled_transport(connections: int) -> httpx.AsyncHTTPTransport:
    """The pool httpx would build for ``Limits(max_connections=connections)``: a transport
    handed to ``httpx.AsyncClient`` replaces the client's own limits, so they go here."""
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncHTTPTransport(limits=limits)

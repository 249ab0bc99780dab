"""An HTTP fault-injecting proxy on loopback, between the adapter and the real HAPI.

Why HTTP-level rather than Toxiproxy: the faults that matter for "exactly once" are HTTP ones
(429 with Retry-After, 503, and above all "the server committed, the client never heard"), and
they must be decided per *request*, not per TCP connection (httpx keeps connections alive, so
one connection carries many requests). A small asyncio proxy decides per request from a seeded
RNG or a script, counts what it did, and needs nothing installed in CI.

The proxy runs its own event loop in a daemon thread, so it serves in-process async tests and
``adapter push`` subprocesses alike. It binds 127.0.0.1 only, every wait in it is bounded, and it
stops itself after ``lifetime`` seconds even if a test forgets to.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

import httpx

from tests.reliability.faults import Fault, Plan, RequestInfo, passthrough
from tests.reliability.lies import STREAMS, committed_half, endless_answer, lie_about

__all__ = ["FaultProxy"]

_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
     "proxy-authorization", "proxy-authenticate", "content-length", "content-encoding"}
)  # fmt: skip
_MAX_HEADER = 64 * 1024
_MAX_BODY = 64 * 1024 * 1024
_MAX_REQUESTS_PER_CONNECTION = 100_000
_FHIR = {"Content-Type": "application/fhir+json"}
_LIES = frozenset({Fault.ENTRY_500, Fault.NO_STATUS, Fault.OTHER_ID, Fault.HALF_COMMIT}) | STREAMS


class FaultProxy:
    """Proxy ``http://127.0.0.1:<port><base path>`` to ``upstream`` with faults from ``plan``.

    ``counts`` says how often each fault was applied (and ``requests`` how many arrived);
    ``committed_unanswered`` counts forwarded writes whose answer never reached the client.
    """

    def __init__(
        self,
        upstream: str,
        plan: Plan = passthrough,
        *,
        lifetime: float = 600.0,
        delay: tuple[float, float] = (0.05, 0.4),
        stall: float = 5.0,
        retry_after: str = "1",
        trickle: float = 2.0,
    ) -> None:
        parts = urlsplit(upstream)
        self.upstream_origin = f"{parts.scheme}://{parts.netloc}"
        self.base_path = parts.path.rstrip("/")
        self.plan = plan
        self.lifetime = lifetime
        self.delay = delay
        self.stall = stall
        self.retry_after = retry_after
        self.trickle = trickle
        self.counts: Counter[str] = Counter()
        self.requests = 0
        self.committed_unanswered = 0
        self.port = 0
        self._lock = threading.Lock()
        self._rng = random.Random(0)
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._gate: asyncio.Event | None = None

    # -- life cycle (called from the test's thread) -----------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.base_path}"

    def __enter__(self) -> FaultProxy:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="faultproxy", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("fault proxy did not start within 10 s")

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(15)

    def release(self) -> None:
        """Let every HOLD request (now and later) through."""
        if self._loop is not None and self._gate is not None:
            self._loop.call_soon_threadsafe(self._gate.set)

    def set_plan(self, plan: Plan) -> None:
        with self._lock:
            self.plan = plan

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return {**self.counts, "requests": self.requests,
                    "committed_unanswered": self.committed_unanswered}  # fmt: skip

    def wait_for(self, condition: Callable[[dict[str, int]], bool], timeout: float) -> None:
        """Poll the counters until ``condition`` holds; AssertionError after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition(self.snapshot()):
                return
            time.sleep(0.05)
        raise AssertionError(f"fault proxy: condition not met in {timeout} s: {self.snapshot()}")

    # -- the server (runs in the proxy's thread) --------------------------------------------

    def _run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop, self._gate = asyncio.Event(), asyncio.Event()
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        async with httpx.AsyncClient(timeout=120, limits=limits) as upstream:
            server = await asyncio.start_server(
                lambda r, w: self._connection(r, w, upstream), "127.0.0.1", 0
            )
            self.port = server.sockets[0].getsockname()[1]
            self._ready.set()
            async with server:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), self.lifetime)
                server.close()
                for task in asyncio.all_tasks() - {asyncio.current_task()}:
                    task.cancel()

    async def _connection(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        upstream: httpx.AsyncClient,
    ) -> None:
        try:
            for _ in range(_MAX_REQUESTS_PER_CONNECTION):
                request = await _read_request(reader)
                if request is None or not await self._handle(request, reader, writer, upstream):
                    break
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        except Exception as exc:
            with self._lock:
                self.counts[f"proxy-{type(exc).__name__}: {exc}"[:120]] += 1
        finally:
            writer.transport.abort()

    async def _handle(
        self,
        request: _Request,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        upstream: httpx.AsyncClient,
    ) -> bool:
        """Apply the plan to one request; False when the connection must end."""
        with self._lock:
            self.requests += 1
            info = RequestInfo(self.requests, request.method, request.target)
            fault = self.plan(info)
            self.counts[fault.value] += 1
        if fault is Fault.RATE_LIMIT:
            await _answer(
                writer, 429, {"Retry-After": self.retry_after, **_FHIR}, _outcome("throttled")
            )
            return True
        if fault is Fault.UNAVAILABLE:
            await _answer(writer, 503, _FHIR, _outcome("transient"))
            return True
        if fault is Fault.RESET:
            return False
        if fault is Fault.HOLD and not await self._held(reader):
            return False
        if fault in _LIES:
            return await self._lie(fault, request, writer, upstream)
        try:
            response = await self._forward(request, upstream)
        except httpx.HTTPError as exc:
            # Not a planned fault: counted apart so that a test can tell the two kinds apart.
            with self._lock:
                self.counts[f"upstream-{type(exc).__name__}"] += 1
            return False
        if fault in (Fault.DROP, Fault.STALL, Fault.HOLD_ANSWER):
            with self._lock:
                self.committed_unanswered += int(info.is_write)
            await self._withhold(fault, reader)
            return False
        if fault is Fault.DELAY:
            await asyncio.sleep(self._rng.uniform(*self.delay))
        await _answer(writer, response.status_code, _end_to_end(response.headers), response.content)
        return True

    async def _lie(self, fault: Fault, request: _Request, writer: asyncio.StreamWriter,
                   upstream: httpx.AsyncClient) -> bool:  # fmt: skip
        """Forward (all, or half of a transaction), then answer as ``fault`` lies."""
        half = fault is Fault.HALF_COMMIT
        body, kept = committed_half(request.body) if half else (request.body, [])
        response = await self._forward(replace(request, body=body), upstream)
        headers = _end_to_end(response.headers)
        if response.is_error:  # HAPI refused: nothing was committed, nothing to lie about
            await _answer(writer, response.status_code, headers, response.content)
            return True
        if fault in STREAMS:
            streamed = await endless_answer(fault, writer, trickle=self.trickle,
                                            lifetime=self.lifetime)  # fmt: skip
            with self._lock:
                self.counts["streamed-bytes"] += streamed
            return False
        await _answer(writer, 200, headers, lie_about(fault, request.body, response.content, kept))
        return True

    async def _held(self, reader: asyncio.StreamReader) -> bool:
        """Wait for the gate; False if the client hung up (or the proxy stopped) first."""
        assert self._gate is not None
        gate = asyncio.ensure_future(self._gate.wait())
        gone = asyncio.ensure_future(reader.read(1))
        done, pending = await asyncio.wait({gate, gone}, timeout=self.lifetime,
                                           return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
        for task in pending:
            task.cancel()
        return gate in done

    async def _withhold(self, fault: Fault, reader: asyncio.StreamReader) -> None:
        if fault is Fault.STALL:
            await asyncio.sleep(self.stall)
        elif fault is Fault.HOLD_ANSWER:
            # Until the client goes away (killed) or the proxy's lifetime ends.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(reader.read(1), self.lifetime)

    async def _forward(self, request: _Request, upstream: httpx.AsyncClient) -> httpx.Response:
        headers = [(k, v) for k, v in request.headers if k.lower() not in _HOP_BY_HOP]
        # The Host header stays the proxy's, so HAPI's absolute links point back through us.
        return await upstream.request(
            request.method,
            self.upstream_origin + request.target,
            headers=headers,
            content=request.body,
        )


@dataclass(frozen=True)
class _Request:
    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes


async def _read_request(reader: asyncio.StreamReader) -> _Request | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    except asyncio.LimitOverrunError as exc:
        raise ValueError("request head too large") from exc
    if len(head) > _MAX_HEADER:
        raise ValueError("request head too large")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _version = lines[0].split(" ", 2)
    headers = [(k.strip(), v.strip()) for k, v in (ln.split(":", 1) for ln in lines[1:] if ln)]
    length = int(next((v for k, v in headers if k.lower() == "content-length"), "0"))
    if length > _MAX_BODY:
        raise ValueError("request body too large")
    body = await reader.readexactly(length) if length else b""
    return _Request(method, target, headers, body)


async def _answer(
    writer: asyncio.StreamWriter, status: int, headers: dict[str, str], body: bytes
) -> None:
    reason = httpx.codes.get_reason_phrase(status) or "Status"
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    lines += [f"Content-Length: {len(body)}", "", ""]
    writer.write("\r\n".join(lines).encode("latin-1") + body)
    await writer.drain()


def _end_to_end(headers: httpx.Headers) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() not in _HOP_BY_HOP}


def _outcome(code: str) -> bytes:
    return (
        b'{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"'
        + code.encode()
        + b'","diagnostics":"injected by the fault proxy"}]}'
    )

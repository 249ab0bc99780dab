"""A small HTTP proxy on 127.0.0.1 in front of the real HAPI, for faults HAPI cannot produce
on demand: a server whose transactions are not atomic, and a server that refuses one resource
type. Everything else goes to HAPI unchanged (its base URL in answers rewritten to the proxy's).

Non-atomic mode: a transaction Bundle is forwarded as a ``batch`` (HAPI applies each entry on
its own), the entries up to the first refused one only (a server that works through the entries
and stops at the first error); when any entry failed the answer is that entry's status with its
OperationOutcome, like a transaction's, though what came before it stays applied.

``refuse``: resource types whose writes the "server" refuses (HTTP 400, OperationOutcome issue
``not-supported`` by default); ``refuse_times`` how many entries it refuses before it takes
them (None: always). ``hide``: types left out of the CapabilityStatement.
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


@dataclass
class Faults:
    nonatomic: bool = False
    refuse: frozenset[str] = frozenset()
    refuse_times: int | None = None
    refuse_code: str = "not-supported"
    hide: frozenset[str] = frozenset()
    requests: list[str] = field(default_factory=list)
    """``METHOD path -> status`` of every request (``POST path (n entries) -> status``)."""
    sent: list[str] = field(default_factory=list)
    """``Type/id`` of every transaction entry that arrived."""
    written: list[str] = field(default_factory=list)
    """``Type/id`` of every transaction entry the server took."""

    def refused(self, kind: str) -> bool:
        if kind not in self.refuse or self.refuse_times == 0:
            return False
        if self.refuse_times is not None:
            self.refuse_times -= 1
        return True

    def outcome(self, kind: str) -> dict[str, Any]:
        text = f"Resource type {kind} is not supported by this server (test proxy)"
        return {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": self.refuse_code, "diagnostics": text}],
        }


class FaultyFHIR:
    """The ASGI app: forwards to ``upstream`` (a FHIR base URL) with ``faults`` applied."""

    def __init__(self, upstream: str, faults: Faults) -> None:
        self.upstream = upstream.rstrip("/")
        self.faults = faults
        self.base = ""  # the proxy's own base URL, set once it listens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        status, headers, content = await self._answer(scope, body)
        self.faults.requests[-1] += f" -> {status}"
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})

    async def _answer(self, scope: Scope, body: bytes) -> tuple[int, list[Any], bytes]:
        method, path = scope["method"], scope["path"]
        query = scope.get("query_string", b"").decode()
        self.faults.requests.append(f"{method} {path}")
        parsed = json.loads(body) if body.startswith(b"{") else None
        prefix = httpx.URL(self.upstream).path.rstrip("/")
        if isinstance(parsed, dict) and parsed.get("resourceType") == "Bundle":
            entries = parsed.get("entry") or []
            self.faults.requests[-1] += f" ({len(entries)} entries)"
            if parsed.get("type") == "transaction":
                self.faults.sent += [str(e["request"]["url"]) for e in entries]
            if method == "POST" and path.rstrip("/") == prefix:
                return await self._bundle(parsed)
        kind = path[len(prefix) :].strip("/").split("/")[0]
        if method in ("PUT", "POST") and kind and self.faults.refused(kind):
            return _json(400, self.faults.outcome(kind))
        headers = [
            (k, v)
            for k, v in scope["headers"]
            if k.lower() not in (b"host", b"content-length", b"accept-encoding")
        ]
        url = self.upstream + path[len(prefix) :] + (f"?{query}" if query else "")
        async with httpx.AsyncClient(timeout=120) as http:
            answer = await http.request(method, url, content=body, headers=headers)
        content = answer.content.replace(self.upstream.encode(), self.base.encode())
        if path.endswith("/metadata") and self.faults.hide:
            content = json.dumps(self._hidden(json.loads(content))).encode()
        return answer.status_code, _headers(answer, self), content

    def _hidden(self, statement: dict[str, Any]) -> dict[str, Any]:
        for rest in statement.get("rest") or []:
            rest["resource"] = [
                r for r in rest.get("resource") or [] if r.get("type") not in self.faults.hide
            ]
        return statement

    async def _bundle(self, bundle: dict[str, Any]) -> tuple[int, list[Any], bytes]:
        entries = bundle.get("entry") or []
        if bundle.get("type") != "transaction":
            return await self._forward(bundle)
        refused = next(
            (
                i
                for i, e in enumerate(entries)
                if self.faults.refused(str((e.get("resource") or {}).get("resourceType")))
            ),
            None,
        )
        if not self.faults.nonatomic:  # atomic: a refused entry refuses all
            if refused is not None:
                kind = entries[refused]["resource"]["resourceType"]
                return _json(400, self.faults.outcome(kind))
            return await self._forward(bundle)
        taken = entries if refused is None else entries[:refused]
        results: list[dict[str, Any]] = []
        if taken:
            status, _, content = await self._forward({**bundle, "type": "batch", "entry": taken})
            if status != 200:
                return status, [(b"content-type", b"application/fhir+json")], content
            results = json.loads(content).get("entry") or []
        for entry, result in zip(taken, results, strict=True):
            code = int(str(result.get("response", {}).get("status", "500")).split()[0])
            if code >= 400:
                outcome = result["response"].get("outcome") or {"resourceType": "OperationOutcome"}
                return _json(code, outcome)
            self.faults.written.append(entry["request"]["url"])
        if refused is not None:
            kind = entries[refused]["resource"]["resourceType"]
            return _json(400, self.faults.outcome(kind))
        answer = {"resourceType": "Bundle", "type": "transaction-response", "entry": results}
        return _json(200, answer)

    async def _forward(self, bundle: dict[str, Any]) -> tuple[int, list[Any], bytes]:
        if bundle.get("type") == "transaction":
            self.faults.written += [e["request"]["url"] for e in bundle.get("entry") or []]
        async with httpx.AsyncClient(timeout=120) as http:
            answer = await http.post(
                self.upstream, json=bundle, headers={"Content-Type": "application/fhir+json"}
            )
        if answer.status_code != 200 and bundle.get("type") == "transaction":
            del self.faults.written[-len(bundle.get("entry") or []) :]
        content = answer.content.replace(self.upstream.encode(), self.base.encode())
        return answer.status_code, _headers(answer, self), content


def _headers(answer: httpx.Response, app: FaultyFHIR) -> list[tuple[bytes, bytes]]:
    kept = ("content-type", "etag", "location", "content-location", "last-modified")
    return [
        (k.encode(), v.replace(app.upstream, app.base).encode())
        for k, v in answer.headers.items()
        if k.lower() in kept
    ]


def _json(status: int, body: dict[str, Any]) -> tuple[int, list[Any], bytes]:
    return status, [(b"content-type", b"application/fhir+json")], json.dumps(body).encode()


@contextmanager
def faulty_fhir(upstream: str, faults: Faults) -> Iterator[str]:
    """Run the proxy on a free port of 127.0.0.1 for the block; yields its FHIR base URL."""
    app = FaultyFHIR(upstream, faults)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(server.serve(),), daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the test proxy did not start")
        threading.Event().wait(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    app.base = f"http://127.0.0.1:{port}{httpx.URL(app.upstream).path}".rstrip("/")
    try:
        yield app.base
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        loop.close()


def private_installation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefix: str
) -> dict[str, str]:
    """A ledger and a namespace of one test's own, in the environment the commands read."""
    values = {
        "ADAPTER_LEDGER_URL": f"sqlite:///{tmp_path / 'ledger.sqlite'}",
        "ADAPTER_NAMESPACE": f"{prefix}-{uuid.uuid4().hex[:12]}",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values

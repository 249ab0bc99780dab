"""Scripted FHIR servers for failure paths a real server will not produce on demand."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx

from adapter.fhir import FHIRClient, RetryPolicy

BASE = "https://fhir.test/r4"
NO_WAIT = RetryPolicy(max_attempts=4, max_total_seconds=30.0).no_wait()

Step = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


def fhir_json(body: dict[str, Any], status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(
        status, json=body, headers={"Content-Type": "application/fhir+json", **headers}
    )


def outcome(
    status: int, diagnostics: str, code: str = "processing", **headers: str
) -> httpx.Response:
    body = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": diagnostics}],
    }
    return fhir_json(body, status, **headers)


class Script:
    """Answers requests with the given steps in order, recording every request it saw."""

    def __init__(self, *steps: Step) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if not self.steps:
            raise AssertionError(f"unexpected request {request.method} {request.url}")
        step = self.steps.pop(0)
        if isinstance(step, Exception):
            if isinstance(step, httpx.RequestError):
                step.request = request
            raise step
        if isinstance(step, httpx.Response):
            return step
        return step(request)


@asynccontextmanager
async def client_for(
    handler: Callable[[httpx.Request], httpx.Response],
    *,
    policy: RetryPolicy = NO_WAIT,
    auth: httpx.Auth | None = None,
    base: str = BASE,
) -> AsyncIterator[FHIRClient]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler), auth=auth) as http:
        yield FHIRClient(http, base, policy=policy)

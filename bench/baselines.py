"""The baselines the adapter is measured against, on the same data and server.

- B0 (:class:`RawPost`): a minimal raw httpx client POSTing the adapter's own transaction
  Bundles, serialized before the clock starts, at the same concurrency; it parses each answer
  (any adapter must read the versions back) and nothing else. What a perfect adapter costs.
- B0 for W4 (:class:`RawHistory`): the same read of ``_history?_since=`` the pull makes, pages
  parsed and dropped.
- B1 (:class:`NaivePerResource`): fhirpy as people write it today, one ``resource.save()``
  (``PUT <Type>/<id>``) per resource, resources in the mapping's order. HAPI refuses a
  reference to a resource that does not exist yet, so a resource pointing forward (the
  EpisodeOfCare's team and diagnosis, the CarePlan's activities) is first saved without those
  elements and saved again in full at the end of its case.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import httpx

from bench.timing import Recorder, TimedTransport, pooled_transport

__all__ = ["NaivePerResource", "RawHistory", "RawPost", "split_forward_references"]

Json = dict[str, Any]
FHIR_JSON = "application/fhir+json"
_TIMEOUT = httpx.Timeout(120)


class RawPost:
    """B0: POST each pre-serialized transaction Bundle, ``concurrency`` in flight."""

    def __init__(self, server: str, bodies: Sequence[bytes], concurrency: int) -> None:
        self.server = server
        self.bodies = list(bodies)
        self.concurrency = concurrency

    async def run(self, recorder: Recorder) -> dict[str, Any]:
        transport = TimedTransport(pooled_transport(self.concurrency), recorder)
        headers = {"Content-Type": f"{FHIR_JSON}; charset=utf-8", "Accept": FHIR_JSON}
        slots = asyncio.Semaphore(self.concurrency)
        entries = 0

        async def one(body: bytes, http: httpx.AsyncClient) -> None:
            nonlocal entries
            async with slots:
                response = await http.post(self.server, content=body, headers=headers)
                response.raise_for_status()
                entries += len(json.loads(response.content).get("entry") or [])
                recorder.case_done()

        async with httpx.AsyncClient(transport=transport, timeout=_TIMEOUT) as http:
            await asyncio.gather(*(one(body, http) for body in self.bodies))
        return {"cases": len(self.bodies), "resources": entries}


class RawHistory:
    """B0 for W4: read every history page since ``since`` and parse it."""

    def __init__(self, server: str, since: datetime) -> None:
        self.server = server
        self.since = since

    async def run(self, recorder: Recorder) -> dict[str, Any]:
        transport = TimedTransport(pooled_transport(1), recorder)
        params = {"_since": self.since.isoformat(), "_count": "200"}
        entries = 0
        async with httpx.AsyncClient(transport=transport, timeout=_TIMEOUT) as http:
            url: str | None = f"{self.server}/_history"
            while url is not None:
                response = await http.get(url, params=params, headers={"Accept": FHIR_JSON})
                response.raise_for_status()
                page = response.json()
                entries += len(page.get("entry") or [])
                url = next(
                    (k["url"] for k in page.get("link", []) if k["relation"] == "next"), None
                )
                params = {}
        return {"cases": 0, "resources": entries}


def split_forward_references(resources: Sequence[Json]) -> tuple[list[Json], list[Json]]:
    """The first pass (forward-referencing top-level elements removed) and the resources to
    save again in full afterwards, for resources in reference order."""
    first: list[Json] = []
    again: list[Json] = []
    written: set[str] = set()
    keys = {f"{r['resourceType']}/{r['id']}" for r in resources}
    for resource in resources:
        own = f"{resource['resourceType']}/{resource['id']}"
        later = keys - written - {own}
        cut = {k for k, v in resource.items() if k != "id" and _mentions(v, later)}
        first.append({k: v for k, v in resource.items() if k not in cut})
        if cut:
            again.append(resource)
        written.add(own)
    return first, again


def _mentions(value: Any, targets: set[str]) -> bool:
    if isinstance(value, dict):
        ref = value.get("reference")
        if isinstance(ref, str) and ref in targets:
            return True
        return any(_mentions(v, targets) for v in value.values())
    if isinstance(value, list):
        return any(_mentions(v, targets) for v in value)
    return False


class NaivePerResource:
    """B1: fhirpy, one PUT per resource, cases ``concurrency`` at a time."""

    def __init__(self, server: str, cases: Sequence[Sequence[Json]], concurrency: int) -> None:
        self.server = server
        self.cases = [split_forward_references(resources) for resources in cases]
        self.concurrency = concurrency

    async def run(self, recorder: Recorder) -> dict[str, Any]:
        from fhirpy import AsyncFHIRClient  # the bench extra; the harness's tests do without

        client = AsyncFHIRClient(self.server)
        slots = asyncio.Semaphore(self.concurrency)
        saved = 0

        async def one(first: list[Json], again: list[Json]) -> None:
            nonlocal saved
            async with slots:
                for resource in [*first, *again]:
                    body = {k: v for k, v in resource.items() if k != "resourceType"}
                    start = time.perf_counter()
                    recorder.started(start)
                    try:
                        await client.resource(resource["resourceType"], **body).save()
                    finally:
                        recorder.finished(start, time.perf_counter())
                    saved += 1
                recorder.case_done()

        await asyncio.gather(*(one(first, again) for first, again in self.cases))
        unique = sum(len(first) for first, _ in self.cases)
        return {"cases": len(self.cases), "resources": unique, "saves": saved}

"""Helpers for the push tests: example cases under fresh ids, counting on the server by
identifier (never assuming an empty server), and a transport that counts requests."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx

from adapter.canonical import NAMESPACE_TAG_SYSTEM
from adapter.fhir import FHIRClient
from adapter.mappings.bundle import case_to_resources
from adapter.mappings.context import RESOURCE_TYPES
from adapter.model.validation import parse_case
from adapter.sync.readback import count_on_server

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "cases"
_CASE_TYPES = (
    "Provenance",
    "Communication",
    "Task",
    "CarePlan",
    "Goal",
    "EpisodeOfCare",
    *RESOURCE_TYPES,
)


def fresh_cases(count: int | None = None) -> list[dict[str, Any]]:
    """The example cases (cycled up to ``count``), each under a new case and client id."""
    originals = [json.loads(p.read_text()) for p in sorted(EXAMPLES.glob("*.json"))]
    wanted = count or len(originals)
    out = []
    for n in range(wanted):
        case = json.loads(json.dumps(originals[n % len(originals)]))
        tag = uuid.uuid4().hex[:10]
        case["id"] = f"{case['id']}-{tag}"
        case["client"]["id"] = f"{case['client']['id']}-{tag}"
        out.append(case)
    return out


def write_cases(directory: Path, cases: Iterable[dict[str, Any]]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for case in cases:
        (directory / f"{case['id']}.json").write_text(json.dumps(case, indent=1))
    return directory


def expected_resources(
    cases: Iterable[dict[str, Any]], namespace: str | None = None
) -> list[dict[str, Any]]:
    """What the mapping says the server must hold for these cases (shared resources once)."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for case in cases:
        for resource in case_to_resources(parse_case(case), namespace=namespace):
            found[(resource["resourceType"], resource["id"])] = resource
    return list(found.values())


def expected_counts(cases: Iterable[dict[str, Any]], namespace: str | None = None) -> Counter[str]:
    return Counter(r["resourceType"] for r in expected_resources(cases, namespace))


async def server_counts(
    client: FHIRClient, cases: Iterable[dict[str, Any]], namespace: str | None = None
) -> Counter[str]:
    """Per type, how many resources the server holds with these cases' business identifiers."""
    return await count_on_server(client, expected_resources(cases, namespace))


def wipe_namespace(base: str, namespace: str, *, keep: Iterable[str] = ()) -> None:
    """Delete every resource of ``namespace`` behind the adapter's back: find them by tag, then
    one transaction of DELETEs (one by one, HAPI refuses to break the reference cycles between
    a CarePlan and its Tasks; in one transaction it checks references only at the end)."""
    tag = f"{NAMESPACE_TAG_SYSTEM}|{namespace}"
    kinds = [k for k in dict.fromkeys(("Basic", *_CASE_TYPES)) if k not in set(keep)]
    with httpx.Client(base_url=base, timeout=120) as http:
        found: list[str] = []
        for kind in kinds:
            page = http.get(f"/{kind}", params={"_tag": tag, "_elements": "id", "_count": 1000})
            page.raise_for_status()
            found += [f"{kind}/{e['resource']['id']}" for e in page.json().get("entry", [])]
        if not found:
            return
        bundle = {
            "resourceType": "Bundle",
            "type": "transaction",
            "entry": [{"request": {"method": "DELETE", "url": url}} for url in found],
        }
        answer = http.post("", json=bundle)
        assert answer.status_code == 200, answer.text[:500]


class CountingTransport(httpx.AsyncBaseTransport):
    """The real HTTP transport, counting what goes through it."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.requests: list[str] = []
        self.written: list[str] = []  # "Type/id" of every transaction entry sent

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(f"{request.method} {request.url.path}")
        if request.method == "POST" and request.content.startswith(b"{"):
            body = json.loads(request.content)
            if body.get("resourceType") == "Bundle":
                self.written += [e["request"]["url"] for e in body.get("entry", [])]
        return await self.inner.handle_async_request(request)

    @property
    def case_requests(self) -> list[str]:
        """The requests but the one read of the installation's marker at each push start."""
        return [r for r in self.requests if not r.startswith("GET ") or "/Basic/" not in r]

    async def aclose(self) -> None:
        await self.inner.aclose()

"""A server that answers nonsense: push and pull end in typed errors (dead letters, or one
FHIRError for a pull), never a crash, and never a request outside the base URL.

MockTransport here, because a real HAPI cannot be made to send these answers on demand.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapter.errors import FHIRError, UnsafeURLError
from adapter.fhir import RetryPolicy, open_client
from adapter.settings import load_settings
from adapter.sync.ledger import Ledger
from adapter.sync.ledger.schema import ReasonCode
from adapter.sync.pull.run import pull_changes
from adapter.sync.push.outcomes import CaseStatus
from adapter.sync.push.run import CaseInput, push_cases
from tests.reliability.malformed import example_cases, fresh

BASE = "https://fhir.test/r4"
FHIR = {"Content-Type": "application/fhir+json"}
HTML = {"Content-Type": "text/html"}
CAPABILITIES = {"resourceType": "CapabilityStatement", "fhirVersion": "4.0.1", "status": "active"}
Answer = Callable[[httpx.Request], httpx.Response]


def _json(body: Any, status: int = 200) -> Answer:
    return lambda _: httpx.Response(status, headers=FHIR, content=json.dumps(body).encode())


def _raw(content: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Answer:
    return lambda _: httpx.Response(status, headers={**FHIR, **(headers or {})}, content=content)


def _entries(count: int) -> dict[str, Any]:
    entry = {"response": {"status": "201 Created", "location": "Patient/x/_history/1"}}
    return {"resourceType": "Bundle", "type": "transaction-response", "entry": [entry] * count}


HOSTILE: dict[str, Answer] = {
    "html": _raw(b"<html><body>Gateway says hi</body></html>", headers=HTML),
    "truncated": _raw(b'{"resourceType":"Bundle","type":"transaction-response","entry":[{"resp'),
    "empty-200": _raw(b""),
    "not-an-object": _raw(b"[1, 2, 3]"),
    "wrong-resource-type": _json({"resourceType": "Patient", "id": "p1"}),
    "outcome-with-200": _json({"resourceType": "OperationOutcome", "issue": []}),
    "no-entries": _json(_entries(0)),
    "huge-bundle": _json(_entries(20_000)),
    "garbage-entries": _json({"resourceType": "Bundle", "entry": ["x", 5, None, [], {}]}),
    "deep-nesting": _raw(b"[" * 100_000 + b"]" * 100_000),
    "not-utf8": _raw(b'{"resourceType": "Bundle", "x": "\xff\xfe"}'),
    "html-500": _raw(b"<h1>500</h1>", 500, HTML),
    "redirect-away": _raw(b"", 302, {"Location": "https://evil.test/steal"}),
}


class Server:
    """A scripted FHIR server recording every URL it was asked for."""

    def __init__(self, transaction: Answer) -> None:
        self.transaction = transaction
        self.urls: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.urls.append(str(request.url))
        if request.url.path.endswith("/metadata"):
            return _json(CAPABILITIES)(request)
        if request.method == "POST" and str(request.url).rstrip("/") == BASE:
            return self.transaction(request)
        return _json({"resourceType": "OperationOutcome", "issue": []}, 404)(request)


def _settings(tmp_path: Path) -> Any:
    return load_settings(fhir_base_url=BASE, ledger_url=f"sqlite:///{tmp_path / 'l.sqlite'}")


@pytest.mark.parametrize("answer", list(HOSTILE))
async def test_nonsense_answers_to_a_push_become_dead_letters_not_crashes(
    answer: str, tmp_path: Path
):
    server = Server(HOSTILE[answer])
    cases = [fresh(case, "HOST") for case in example_cases()[:2]]
    settings = _settings(tmp_path)
    policy = RetryPolicy(max_attempts=3, sleep=False)
    with Ledger.open(settings.ledger_url) as ledger:
        async with open_client(
            settings, transport=httpx.MockTransport(server), policy=policy
        ) as client:
            report = await push_cases(
                [CaseInput(c["id"], c, "test") for c in cases], client=client, ledger=ledger
            )
        letters = ledger.dead_letters()
    assert [c.status for c in report.cases] == [CaseStatus.FAILED] * len(cases)
    assert {letter.case_id for letter in letters} == {c["id"] for c in cases}
    assert all(letter.reason in set(ReasonCode) for letter in letters)
    assert all(url.startswith(BASE) for url in server.urls), server.urls


def _history_page(next_url: str) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "history",
        "meta": {"lastUpdated": "2026-01-01T00:00:00Z"},
        "link": [{"relation": "next", "url": next_url}],
        "entry": [],
    }


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.test/r4/_history?page=2",
        "http://fhir.test/r4/_history?page=2",
        "https://fhir.test:8443/r4/_history?page=2",
        "https://fhir.test/other/_history?page=2",
        "//evil.test/r4/_history",
    ],
)
async def test_a_next_link_leaving_the_base_url_fails_the_pull_without_following_it(
    next_url: str, tmp_path: Path
):
    urls: list[str] = []

    def server(request: httpx.Request) -> httpx.Response:
        urls.append(str(request.url))
        return _json(_history_page(next_url))(request)

    settings = _settings(tmp_path)
    with Ledger.open(settings.ledger_url) as ledger:
        async with open_client(settings, transport=httpx.MockTransport(server)) as client:
            with pytest.raises(UnsafeURLError) as caught:
                await pull_changes(client, ledger)
        run = ledger.runs(1)[0]
    assert isinstance(caught.value, FHIRError)
    assert all(url.startswith(BASE + "/") for url in urls), urls
    assert run.status.value == "failed"

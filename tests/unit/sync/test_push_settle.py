"""After a failed transaction that may have left part behind, the sender reads back before it
sends again (scripted transports: a non-atomic server and an answer that never came are faults
a real HAPI does not produce on demand; the integration version is test_push_nonatomic.py)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from adapter.errors import (
    DeadlineExceeded,
    FHIRTransportError,
    InvalidResource,
    ResponseError,
    ServerError,
)
from adapter.fhir import FHIRClient
from adapter.sync.hashing import content_hash
from adapter.sync.ledger.records import ResourceKey, SyncedResource
from adapter.sync.push.planner import Planned
from adapter.sync.push.sender import CaseSender
from adapter.sync.push.settle import uncertain
from tests.unit.fhir.scripted import BASE, NO_WAIT, fhir_json, outcome

Handler = Callable[[httpx.Request], httpx.Response]


def body(kind: str, rid: str, status: str, *refs: str) -> dict[str, Any]:
    out: dict[str, Any] = {"resourceType": kind, "id": rid, "status": status}
    if refs:
        out["basedOn"] = [{"reference": ref} for ref in refs]
    return out


def held(resource: dict[str, Any], version: str) -> dict[str, Any]:
    return {**resource, "meta": {"versionId": version, "lastUpdated": "2026-01-01T00:00:00Z"}}


class Server:
    """A scripted server: transactions answered in turn by ``answers``; searches by ``_id``
    answered from ``holds`` (what the server holds: type/id -> resource with meta)."""

    def __init__(self, *answers: Handler, holds: dict[str, dict[str, Any]] | None = None):
        self.answers = list(answers)
        self.holds = holds or {}
        self.log: list[str] = []
        self.sent: list[list[tuple[str, str | None]]] = []  # per transaction: (url, ifMatch)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            entries = json.loads(request.content)["entry"]
            self.sent.append([(e["request"]["url"], e["request"].get("ifMatch")) for e in entries])
            self.log.append(f"POST {len(entries)}")
            return self.answers.pop(0)(request)
        kind = request.url.path.rsplit("/", 1)[-1]
        if "_history" in request.url.path:
            self.log.append("GET history")
            return fhir_json({"resourceType": "Parameters"}, 404)
        ids = request.url.params.get("_id", "").split(",")
        self.log.append(f"GET {kind}?_id")
        found = [self.holds[f"{kind}/{i}"] for i in ids if f"{kind}/{i}" in self.holds]
        entries = [{"resource": r} for r in found]
        return fhir_json({"resourceType": "Bundle", "type": "searchset", "entry": entries})


def landed_all(request: httpx.Request) -> httpx.Response:
    entries = json.loads(request.content)["entry"]
    results = [
        {"response": {"status": "200 OK", "etag": 'W/"9"',
                      "location": f"{e['request']['url']}/_history/9"}}
        for e in entries
    ]  # fmt: skip
    return fhir_json({"resourceType": "Bundle", "type": "transaction-response", "entry": results})


def refused(_: httpx.Request) -> httpx.Response:
    return outcome(400, "Goal: unknown element", code="processing")


def unavailable(_: httpx.Request) -> httpx.Response:
    return outcome(503, "busy")


@asynccontextmanager
async def client(server: Server, *, atomic: bool) -> AsyncIterator[FHIRClient]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(server)) as http:
        yield FHIRClient(http, BASE, policy=NO_WAIT, atomic_transactions=atomic)


EPISODE = body("EpisodeOfCare", "e", "finished")
PLAN = body("CarePlan", "p", "completed")
TASK = body("Task", "t", "completed", "CarePlan/p")


def closing() -> list[Planned]:
    """The issue's case: episode, plan and task closed, each known at version 1."""
    return [Planned(ResourceKey(*(r["resourceType"], r["id"])), r, if_match="1") for r in
            (EPISODE, PLAN, TASK)]  # fmt: skip


def landed(sent: list[SyncedResource]) -> dict[str, str | None]:
    return {f"{r.resource_type}/{r.resource_id}": r.version_id for r in sent}


async def test_a_part_applied_is_read_back_and_only_the_rest_goes_again_on_its_own_version():
    # The server applied the episode, then refused: the episode is at 2 with our content, the
    # plan and task still at 1 (old content).
    holds = {
        "EpisodeOfCare/e": held(EPISODE, "2"),
        "CarePlan/p": held({**PLAN, "status": "active"}, "1"),
        "Task/t": held({**TASK, "status": "in-progress"}, "1"),
    }
    server = Server(refused, landed_all, holds=holds)
    async with client(server, atomic=False) as fhir:
        sent = await CaseSender(fhir).send(closing())
    assert server.log == ["POST 3", "GET EpisodeOfCare?_id", "GET CarePlan?_id", "GET Task?_id",
                          "POST 2"]  # fmt: skip
    # never the episode again, never a stale If-Match
    assert server.sent[1] == [("CarePlan/p", 'W/"1"'), ("Task/t", 'W/"1"')]
    assert landed(sent.landed) == {"EpisodeOfCare/e": "2", "CarePlan/p": "9", "Task/t": "9"}
    assert sent.failed == []


async def test_a_version_someone_else_wrote_meanwhile_is_merged_onto_and_named():
    holds = {
        "EpisodeOfCare/e": held(EPISODE, "2"),
        "CarePlan/p": held({**PLAN, "status": "active", "title": "theirs"}, "3"),
        "Task/t": held({**TASK, "status": "in-progress"}, "1"),
    }
    server = Server(refused, landed_all, holds=holds)
    async with client(server, atomic=False) as fhir:
        sent = await CaseSender(fhir).send(closing())
    assert server.sent[1] == [("CarePlan/p", 'W/"3"'), ("Task/t", 'W/"1"')]
    [note] = sent.merges
    assert (note.key, note.local_version, note.server_version) == (("CarePlan", "p"), "1", "3")


async def test_a_resource_refused_again_fails_alone_and_what_references_it_still_lands():
    # The plan is refused every time; the task references it, but the server holds the plan
    # (version 1), so the task is not blocked.
    holds = {
        "EpisodeOfCare/e": held(EPISODE, "2"),
        "CarePlan/p": held({**PLAN, "status": "active"}, "1"),
        "Task/t": held({**TASK, "status": "in-progress"}, "1"),
    }
    server = Server(refused, refused, refused, landed_all, holds=holds)
    async with client(server, atomic=False) as fhir:
        sent = await CaseSender(fhir).send(closing())
    assert landed(sent.landed) == {"EpisodeOfCare/e": "2", "Task/t": "9"}
    assert [key for key, _ in sent.failed] == [("CarePlan", "p")]
    assert all(if_match == 'W/"1"' for part in server.sent[1:] for _, if_match in part)


async def test_an_atomic_servers_refusal_is_not_read_back():
    server = Server(refused)
    async with client(server, atomic=True) as fhir:
        with pytest.raises(InvalidResource):
            await CaseSender(fhir).send(closing()[:1])
    assert server.log == ["POST 1"]


async def test_no_answer_from_an_atomic_server_is_read_back_and_what_committed_is_landed():
    # 503 on every try: the transaction may have committed; the read-back shows it did.
    holds = {f"{r['resourceType']}/{r['id']}": held(r, "2") for r in (EPISODE, PLAN, TASK)}
    server = Server(*[unavailable] * 4, holds=holds)
    async with client(server, atomic=True) as fhir:
        sent = await CaseSender(fhir).send(closing())
    assert server.log == ["POST 3"] * 4 + ["GET EpisodeOfCare?_id", "GET CarePlan?_id",
                                           "GET Task?_id"]  # fmt: skip
    assert landed(sent.landed) == {"EpisodeOfCare/e": "2", "CarePlan/p": "2", "Task/t": "2"}
    assert all(r.content_hash == content_hash(b) for r, b in
               zip(sent.landed, (EPISODE, PLAN, TASK), strict=True))  # fmt: skip


async def test_when_the_read_back_fails_too_nothing_is_claimed():
    def down(request: httpx.Request) -> httpx.Response:
        return outcome(503, "busy")

    async with httpx.AsyncClient(transport=httpx.MockTransport(down)) as http:
        fhir = FHIRClient(http, BASE, policy=NO_WAIT, atomic_transactions=False)
        with pytest.raises(ServerError):
            await CaseSender(fhir).send(closing())


def test_what_counts_as_uncertain():
    refusal = InvalidResource("no", status=400, method="POST", url=BASE)
    busy = ServerError("busy", status=503, method="POST", url=BASE)
    assert not uncertain(refusal, atomic=True)
    assert uncertain(refusal, atomic=False)
    assert uncertain(busy, atomic=True)
    assert uncertain(FHIRTransportError("reset", method="POST", url=BASE), atomic=True)
    assert not uncertain(FHIRTransportError("refused", request_sent=False), atomic=True)
    assert not uncertain(DeadlineExceeded("slow", deadline=4, method="POST"), atomic=True)
    assert not uncertain(ResponseError("lies", method="POST", url=BASE), atomic=True)

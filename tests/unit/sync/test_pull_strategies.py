"""Pull strategies: system history, else type history, else ``_lastUpdated`` searches, else a
clear error. A server refusing every level cannot be started here, so these script the answers;
tests/integration/test_production_hapi.py covers the fallback against a real HAPI."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from adapter.errors import AccessDenied, UnsupportedByServer
from adapter.sync.pull.history import CASE_RESOURCE_TYPES
from adapter.sync.pull.strategies import read_changes
from tests.unit.fhir.scripted import Script, client_for, fhir_json, outcome

SINCE = datetime(2026, 1, 5, 11, 0, tzinfo=UTC)
NO_SYSTEM = outcome(405, "System-level history is not supported by this server")
TYPES = sorted(CASE_RESOURCE_TYPES)


def bundle(kind: str, resources: list[dict[str, Any]], stamp: str) -> httpx.Response:
    entries = [{"resource": resource} for resource in resources]
    body = {"resourceType": "Bundle", "type": kind, "meta": {"lastUpdated": stamp}}
    return fhir_json({**body, "entry": entries})


def task(ident: str, vid: str) -> dict[str, Any]:
    return {"resourceType": "Task", "id": ident, "meta": {"versionId": vid}}


def per_type(answer: dict[str, httpx.Response], default: httpx.Response) -> Script:
    """One answer per case resource type, in the order the reader asks (sorted)."""
    return Script(*(answer.get(kind, default) for kind in TYPES))


async def test_system_history_when_the_server_has_it():
    script = Script(bundle("history", [task("t1", "2")], "2026-01-05T12:00:00Z"))
    async with client_for(script) as client:
        batch = await read_changes(client, since=SINCE, namespace="ns1")
    assert (batch.strategy, batch.refused) == ("system-history", ())
    assert [c.resource_id for c in batch.changes] == ["t1"]
    assert len(script.requests) == 1


async def test_type_history_when_system_history_is_refused():
    empty = bundle("history", [], "2026-01-05T12:00:05Z")
    tasks = bundle("history", [task("t1", "3")], "2026-01-05T12:00:02Z")
    script = Script(NO_SYSTEM, *per_type({"Task": tasks}, empty).steps)
    async with client_for(script) as client:
        batch = await read_changes(client, since=SINCE, namespace="ns1")
    assert batch.strategy == "type-history"
    assert batch.refused[0].startswith("system-history: HTTP 405 (error processing: System-level")
    assert [(c.resource_type, c.resource_id, c.version_id) for c in batch.changes] == [
        ("Task", "t1", "3")
    ]
    paths = [request.url.path for request in script.requests[1:]]
    assert paths == [f"/r4/{kind}/_history" for kind in TYPES]
    assert all(r.url.params["_since"] == SINCE.isoformat() for r in script.requests[1:])
    # the earliest first-page time: a change committed during the reads is read again
    assert batch.server_time == datetime(2026, 1, 5, 12, 0, 2, tzinfo=UTC)


async def test_search_by_last_updated_and_namespace_tag_when_no_history_at_all():
    empty = bundle("searchset", [], "2026-01-05T12:00:05Z")
    goals = bundle("searchset", [{"resourceType": "Goal", "id": "g1", "meta": {"versionId": "4"}}],
                   "2026-01-05T12:00:03Z")  # fmt: skip
    no_type = outcome(404, "HAPI-0302: Unknown resource type 'x'")
    script = Script(NO_SYSTEM, no_type, *per_type({"Goal": goals}, empty).steps)
    async with client_for(script) as client:
        batch = await read_changes(client, since=SINCE, namespace="ns1")
    assert batch.strategy == "search"
    assert [r.split(":")[0] for r in batch.refused] == ["system-history", "type-history"]
    assert [c.resource_id for c in batch.changes] == ["g1"]
    searches = script.requests[2:]
    assert [r.url.path for r in searches] == [f"/r4/{kind}" for kind in TYPES]
    params = searches[0].url.params
    assert params["_lastUpdated"] == f"ge{SINCE.isoformat()}"
    assert params["_tag"].endswith("|ns1")


async def test_nothing_supported_is_a_clear_error_never_zero_changes():
    script = Script(
        NO_SYSTEM,
        outcome(501, "type history not implemented"),
        outcome(400, "_lastUpdated is not a supported search parameter"),
    )
    async with client_for(script) as client:
        with pytest.raises(UnsupportedByServer) as caught:
            await read_changes(client, since=SINCE, namespace="ns1")
    text = str(caught.value)
    assert "system-history: HTTP 405" in text
    assert "type-history: HTTP 501 (error processing: type history not implemented)" in text
    assert "search: HTTP 400" in text
    assert "_lastUpdated is not a supported" in text


async def test_refused_credentials_stop_at_once_without_falling_back():
    script = Script(outcome(403, "access denied"))
    async with client_for(script) as client:
        with pytest.raises(AccessDenied):
            await read_changes(client, since=SINCE, namespace="ns1")
    assert len(script.requests) == 1


async def test_a_chosen_strategy_is_the_only_one_tried():
    script = Script(outcome(404, "no history here"))
    async with client_for(script) as client:
        with pytest.raises(UnsupportedByServer, match="type-history: HTTP 404"):
            await read_changes(client, since=None, namespace=None, strategy="type-history")
    assert len(script.requests) == 1
    assert "_since" not in script.requests[0].url.params

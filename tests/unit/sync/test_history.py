"""The history reader: server time as watermark, no-cache, restart when paging expires.

An expired paging link (HAPI keeps search state for an hour) cannot be produced on demand by a
real server, so these tests script the answers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from adapter.errors import PagingExpired
from adapter.sync.pull.history import read_history
from tests.unit.fhir.scripted import BASE, Script, client_for, fhir_json, outcome

GONE = outcome(410, "HAPI-0417: Search ID abc does not exist and may have expired")


def page(entries: list[dict[str, Any]], *, stamp: str | None, next_offset: int | None = None):
    body: dict[str, Any] = {"resourceType": "Bundle", "type": "history", "entry": entries}
    if stamp is not None:
        body["meta"] = {"lastUpdated": stamp}
    if next_offset is not None:
        body["link"] = [{"relation": "next", "url": f"{BASE}/_history?_offset={next_offset}"}]
    return fhir_json(body)


def task(ident: str, vid: str, updated: str = "2026-01-05T11:59:00+00:00") -> dict[str, Any]:
    return {
        "resource": {
            "resourceType": "Task",
            "id": ident,
            "meta": {"versionId": vid, "lastUpdated": updated},
        },
        "request": {"method": "PUT", "url": f"Task/{ident}/_history/{vid}"},
    }


async def test_watermark_is_the_first_pages_server_time_and_reads_skip_the_cache():
    script = Script(
        page([task("a", "2")], stamp="2026-01-05T12:00:00+00:00", next_offset=1),
        page([task("b", "1")], stamp="2026-01-05T12:00:03+00:00"),
    )
    since = datetime(2026, 1, 5, 11, 0, tzinfo=UTC)
    async with client_for(script) as client:
        batch = await read_history(client, since=since)
    assert batch.server_time == datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    assert sorted(c.resource_id for c in batch.changes) == ["a", "b"]
    first = script.requests[0]
    assert first.url.path == "/r4/_history"
    assert first.url.params["_since"] == since.isoformat()
    assert first.headers["Cache-Control"] == "no-cache"


async def test_expired_paging_restarts_the_read_and_duplicates_collapse():
    script = Script(
        page([task("a", "2")], stamp="2026-01-05T12:00:00+00:00", next_offset=1),
        GONE,
        page([task("a", "2")], stamp="2026-01-05T12:00:09+00:00", next_offset=1),
        page([task("b", "1")], stamp="2026-01-05T12:00:10+00:00"),
    )
    async with client_for(script) as client:
        batch = await read_history(client, since=None)
    assert batch.restarts == 1
    assert sorted(c.resource_id for c in batch.changes) == ["a", "b"]
    # The restarted read's time: nothing committed before it can be missed.
    assert batch.server_time == datetime(2026, 1, 5, 12, 0, 9, tzinfo=UTC)
    assert "_since" not in script.requests[2].url.params


async def test_paging_that_keeps_expiring_gives_up_after_the_restart_budget():
    first = page([task("a", "1")], stamp="2026-01-05T12:00:00+00:00", next_offset=1)
    script = Script(first, GONE, first, GONE)
    async with client_for(script) as client:
        with pytest.raises(PagingExpired):
            await read_history(client, since=None, restarts=1)


async def test_without_a_bundle_time_the_newest_resource_time_is_used():
    script = Script(
        page(
            [task("a", "1", "2026-01-05T11:00:00+00:00"), task("b", "1", "2026-01-05T11:30:00Z")],
            stamp=None,
        )
    )
    async with client_for(script) as client:
        batch = await read_history(client, since=None)
    assert batch.server_time == datetime(2026, 1, 5, 11, 30, tzinfo=UTC)

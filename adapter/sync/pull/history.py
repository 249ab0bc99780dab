"""Reading what changed on a server since an instant: ``GET [base]/_history?_since=``.

One system-level history read covers every resource type (and includes deletes, which a
``_lastUpdated`` search never shows); the types the adapter does not map are dropped while
reading, so memory holds one newest version per case resource. HAPI ignores ``_type`` on the
system history, so filtering happens here.

The first pull of a ledger has no watermark: instead of the whole server's history (other
installations' data included) it reads this installation's resources only, by the namespace tag
every one of them carries, one search per case resource type
(``GET [type]?_tag=<system>|<namespace>&_lastUpdated=le<server time>``): their current versions,
which is all a first pull needs.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from adapter.canonical import NAMESPACE_TAG_SYSTEM
from adapter.errors import PagingExpired
from adapter.fhir import FHIRClient
from adapter.sync.pull.changes import Change, Newest, history_time

__all__ = ["CASE_RESOURCE_TYPES", "HistoryBatch", "read_history", "read_namespace"]

log = logging.getLogger("adapter.sync.pull")

#: Every resource type the mappings write for a case (and read back).
CASE_RESOURCE_TYPES: Final = frozenset(
    {
        "CarePlan",
        "CareTeam",
        "Communication",
        "Condition",
        "Consent",
        "Coverage",
        "EpisodeOfCare",
        "Goal",
        "Observation",
        "Organization",
        "Patient",
        "Practitioner",
        "Provenance",
        "RelatedPerson",
        "RiskAssessment",
        "ServiceRequest",
        "Task",
    }
)

PAGE_SIZE: Final = 200  # HAPI clamps larger counts to its max_page_size anyway
RESTARTS: Final = 3


@dataclass(frozen=True, slots=True)
class HistoryBatch:
    """What one history read saw: the newest version of each changed case resource.

    ``server_time`` is the server's clock when the read began (the first page's
    ``meta.lastUpdated``), the next watermark; None when the server did not say.
    """

    changes: list[Change]
    server_time: datetime | None
    entries_read: int
    restarts: int = 0


async def read_history(
    client: FHIRClient,
    *,
    since: datetime | None,
    types: frozenset[str] = CASE_RESOURCE_TYPES,
    page_size: int = PAGE_SIZE,
    restarts: int = RESTARTS,
) -> HistoryBatch:
    """Read the whole history since ``since`` (everything when None), all pages.

    An expired paging link (HAPI 410 HAPI-0417, after an hour) restarts the read from the first
    page: the links cannot be refreshed, and the restart's duplicates collapse anyway.
    """
    return await _restarting(
        lambda: _read_once(client, since=since, types=types, page_size=page_size), restarts
    )


async def read_namespace(
    client: FHIRClient,
    *,
    namespace: str,
    types: frozenset[str] = CASE_RESOURCE_TYPES,
    page_size: int = PAGE_SIZE,
    restarts: int = RESTARTS,
) -> HistoryBatch:
    """The current version of every resource tagged with ``namespace`` (see the module
    docstring); ``server_time`` is the server's clock before the first search."""
    return await _restarting(
        lambda: _read_tagged(client, namespace=namespace, types=types, page_size=page_size),
        restarts,
    )


async def _restarting(read: Callable[[], Awaitable[HistoryBatch]], restarts: int) -> HistoryBatch:
    attempt = 0
    while True:
        try:
            batch = await read()
        except PagingExpired:
            if attempt >= restarts:
                raise
            attempt += 1
            log.warning("paging expired; restarting the read", extra={"attempt": attempt})
            continue
        return HistoryBatch(batch.changes, batch.server_time, batch.entries_read, attempt)


async def _read_tagged(
    client: FHIRClient, *, namespace: str, types: frozenset[str], page_size: int
) -> HistoryBatch:
    server_time = await _server_now(client)
    newest = Newest(types)
    params = {"_tag": f"{NAMESPACE_TAG_SYSTEM}|{namespace}", "_count": str(page_size)}
    if server_time is not None:  # what changes while we read comes with the next pull
        params["_lastUpdated"] = f"le{server_time.isoformat()}"
    for kind in sorted(types):
        async for page in client.search_pages(kind, params, no_cache=True):
            for entry in page.get("entry") or []:
                if (entry.get("search") or {}).get("mode", "match") == "match":
                    newest.add(entry)
    return HistoryBatch(newest.changes(), server_time, newest.read)


async def _server_now(client: FHIRClient) -> datetime | None:
    """The server's clock: the time of a one-entry history page (no local clock, ever)."""
    async for page in client.history_pages(count=1, no_cache=True):
        return history_time(page)
    return None


async def _read_once(
    client: FHIRClient, *, since: datetime | None, types: frozenset[str], page_size: int
) -> HistoryBatch:
    newest = Newest(types)
    server_time: datetime | None = None
    first = True
    # no-cache: HAPI may otherwise answer an identical query from a cache up to a minute old.
    async for page in client.history_pages(since=since, count=page_size, no_cache=True):
        if first:
            server_time, first = history_time(page), False
        for entry in page.get("entry") or []:
            newest.add(entry)
    changes = newest.changes()
    if server_time is None:
        server_time = _latest_stamp(changes)
    return HistoryBatch(changes, server_time, newest.read)


def _latest_stamp(changes: list[Change]) -> datetime | None:
    """The newest ``meta.lastUpdated`` among the changes: still the server's clock."""
    stamps = [
        stamp
        for change in changes
        if change.resource is not None and (stamp := history_time(change.resource)) is not None
    ]
    return max(stamps, default=None)

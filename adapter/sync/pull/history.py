"""Reading what changed on a server since an instant: ``GET [base]/_history?_since=``.

One system-level history read covers every resource type (and includes deletes, which a
``_lastUpdated`` search never shows); the types the adapter does not map are dropped while
reading, so memory holds one newest version per case resource. HAPI ignores ``_type`` on the
system history, so filtering happens here.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Final

from adapter.canonical import NAMESPACE_TAG_SYSTEM
from adapter.errors import FHIRStatusError, PagingExpired, ResponseError
from adapter.fhir import FHIRClient
from adapter.mappings.identifiers import own_identifier_systems
from adapter.sync.pull.changes import Change, Newest, history_time

__all__ = [
    "CASE_RESOURCE_TYPES",
    "PAGE_SIZE",
    "HistoryBatch",
    "PageSource",
    "collect",
    "read_history",
    "read_namespace",
    "read_own_identifiers",
]

#: Opens one paged read (a history or a search), from its first page.
PageSource = Callable[[], AsyncIterator[dict[str, Any]]]

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

#: Case resource types that carry no business identifier of the adapter.
UNIDENTIFIED_TYPES: Final = frozenset({"Provenance"})

PAGE_SIZE: Final = 200  # HAPI clamps larger counts to its max_page_size anyway
RESTARTS: Final = 3


@dataclass(frozen=True, slots=True)
class HistoryBatch:
    """What one history read saw: the newest version of each changed case resource.

    ``server_time`` is the server's clock when the read began (the first page's
    ``meta.lastUpdated``), the next watermark; None when the server did not say. ``strategy``
    names how the changes were read and ``refused`` what the server refused before (one line
    each: the strategy and the server's answer), see :mod:`adapter.sync.pull.strategies`.
    """

    changes: list[Change]
    server_time: datetime | None
    entries_read: int
    restarts: int = 0
    strategy: str = "system-history"
    refused: tuple[str, ...] = ()


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

    def system() -> AsyncIterator[dict[str, Any]]:
        # no-cache: HAPI may otherwise answer an identical query from a cache up to a minute old.
        return client.history_pages(since=since, count=page_size, no_cache=True)

    return await collect([system], types=types, restarts=restarts)


async def collect(
    sources: Sequence[PageSource], *, types: frozenset[str], restarts: int = RESTARTS
) -> HistoryBatch:
    """The newest version of each resource of ``types`` over every page of every source.

    The watermark is the earliest server time among the sources' first pages: a change
    committed while a later source was read is then read again next time, never missed.
    """
    attempt = 0
    while True:
        try:
            batch = await _read_once(sources, types=types)
        except PagingExpired:
            if attempt >= restarts:
                raise
            attempt += 1
            log.warning("history paging expired; restarting the read", extra={"attempt": attempt})
            continue
        return HistoryBatch(batch.changes, batch.server_time, batch.entries_read, attempt)


async def read_namespace(
    client: FHIRClient,
    *,
    namespace: str,
    types: frozenset[str] = CASE_RESOURCE_TYPES,
    page_size: int = PAGE_SIZE,
    restarts: int = RESTARTS,
) -> HistoryBatch:
    """The current version of every resource tagged with ``namespace`` (a first pull reads only
    this installation's resources, not the whole server's history); ``server_time`` is the
    server's clock before the first search."""
    tag = {"_tag": f"{NAMESPACE_TAG_SYSTEM}|{namespace}"}
    return await _restarting(
        lambda: _read_searched(client, dict.fromkeys(types, tag), page_size=page_size),
        restarts,
    )


async def read_own_identifiers(
    client: FHIRClient,
    *,
    types: frozenset[str] = CASE_RESOURCE_TYPES,
    page_size: int = PAGE_SIZE,
    restarts: int = RESTARTS,
) -> HistoryBatch:
    """The current version of every resource carrying one of the adapter's business identifier
    systems without a namespace (``<base>/identifier/<kind>``; an installation with a namespace
    writes ``<base>/identifier/<ns>/<kind>``, which this never matches): one search per type
    that has identifiers, ``identifier=<system>|,...`` (any value in those systems). What a
    first pull without a namespace reads instead of the whole server's history."""
    systems = ",".join(f"{system}|" for system in own_identifier_systems())
    wanted = {kind: {"identifier": systems} for kind in types if kind not in UNIDENTIFIED_TYPES}
    return await _restarting(lambda: _read_searched(client, wanted, page_size=page_size), restarts)


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
        return replace(batch, restarts=attempt)


async def _read_searched(
    client: FHIRClient, searches: Mapping[str, Mapping[str, str]], *, page_size: int
) -> HistoryBatch:
    """The current versions matched by one search per type (``searches``: type -> params)."""
    server_time = await _server_now(client)
    newest = Newest(frozenset(searches))
    for kind, wanted in sorted(searches.items()):
        params = {**wanted, "_count": str(page_size)}
        if server_time is not None:  # what changes while we read comes with the next pull
            params["_lastUpdated"] = f"le{server_time.isoformat()}"
        async for page in client.search_pages(kind, params, no_cache=True):
            for entry in page.get("entry") or []:
                if (entry.get("search") or {}).get("mode", "match") == "match":
                    newest.add(entry)
    changes = newest.changes()
    if server_time is None:  # no clock to ask: the newest lastUpdated read (the overlap covers)
        server_time = _latest_stamp(changes)
    return HistoryBatch(changes, server_time, newest.read, strategy="search")


async def _server_now(client: FHIRClient) -> datetime | None:
    """The server's clock: the time of a one-entry history page (no local clock, ever). A
    server without system history gives none; the reads' own times serve then."""
    try:
        async for page in client.history_pages(count=1, no_cache=True):
            return history_time(page)
    except (FHIRStatusError, ResponseError):  # refused, or answered with no history Bundle
        return None
    return None


async def _read_once(sources: Sequence[PageSource], *, types: frozenset[str]) -> HistoryBatch:
    newest = Newest(types)
    times: list[datetime] = []
    for source in sources:
        first = True
        async for page in source():
            if first and (stamp := history_time(page)) is not None:
                times.append(stamp)
            first = False
            for entry in page.get("entry") or []:
                newest.add(entry)
    changes = newest.changes()
    server_time = min(times) if times else _latest_stamp(changes)
    return HistoryBatch(changes, server_time, newest.read)


def _latest_stamp(changes: list[Change]) -> datetime | None:
    """The newest ``meta.lastUpdated`` among the changes: still the server's clock."""
    stamps = [
        stamp
        for change in changes
        if change.resource is not None and (stamp := history_time(change.resource)) is not None
    ]
    return max(stamps, default=None)

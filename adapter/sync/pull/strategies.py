"""How a pull reads what changed: the best way the server allows, never a silent nothing.

Servers differ in what they offer. In order of preference:

1. ``system-history``: ``GET [base]/_history?_since=`` (one read for every type, deletes included);
2. ``type-history``: ``GET [base]/[Type]/_history?_since=`` for each case resource type (deletes
   included; production servers often turn the system level off);
3. ``search``: ``GET [base]/[Type]?_lastUpdated=ge<since>&_tag=<our namespace>`` for each type.
   A search never shows deletes: a resource deleted on the server is not seen this way.

``auto`` tries them in that order and moves on only when the server says a level is not
supported (400, 404, 405, 501); refused credentials, server errors and anything else stop the
pull as before. When no level works the pull fails with :class:`UnsupportedByServer`, naming
each level and the server's answer to it: it never reports "0 changes" for a server it could
not read. ``ADAPTER_PULL_STRATEGY`` picks one level instead of ``auto``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from adapter.errors import FHIRStatusError, UnsupportedByServer
from adapter.fhir import FHIRClient
from adapter.fhir.outcome import words
from adapter.mappings.namespace import tag_token
from adapter.sync.pull.history import (
    CASE_RESOURCE_TYPES,
    PAGE_SIZE,
    HistoryBatch,
    PageSource,
    collect,
    read_history,
)

__all__ = ["AUTO", "NOT_SUPPORTED", "PullStrategy", "read_changes"]

log = logging.getLogger("adapter.sync.pull")

AUTO: Final = "auto"
#: Statuses by which a server says "I do not do this" (rather than "you may not" or "I failed").
NOT_SUPPORTED: Final = frozenset({400, 404, 405, 501})


class PullStrategy(StrEnum):
    SYSTEM_HISTORY = "system-history"
    TYPE_HISTORY = "type-history"
    SEARCH = "search"


Reader = Callable[[FHIRClient, datetime | None, str | None], Awaitable[HistoryBatch]]


async def read_changes(
    client: FHIRClient,
    *,
    since: datetime | None,
    namespace: str | None,
    strategy: str = AUTO,
) -> HistoryBatch:
    """The changes since ``since`` by ``strategy`` (``auto``: the first level that works)."""
    order = list(PullStrategy) if strategy == AUTO else [PullStrategy(strategy)]
    refused: list[str] = []
    for level in order:
        try:
            batch = await _READERS[level](client, since, namespace)
        except FHIRStatusError as exc:
            if exc.status not in NOT_SUPPORTED:
                raise
            said = words(exc.outcome)
            refused.append(f"{level}: HTTP {exc.status}" + (f" ({said})" if said else ""))
            log.warning(
                "the server does not support this way of reading changes",
                extra={"strategy": str(level), "status": exc.status},
            )
            continue
        if refused:
            log.info("changes read by a fallback", extra={"strategy": str(level)})
        return replace(batch, strategy=str(level), refused=tuple(refused))
    raise UnsupportedByServer(
        "the server offers no way to read changes that this adapter knows: "
        + "; ".join(refused)
        + " (ADAPTER_PULL_STRATEGY picks one way; auto tries all)",
        method="GET",
        url=client.base.url,
    )


async def _system_history(
    client: FHIRClient, since: datetime | None, namespace: str | None
) -> HistoryBatch:
    return await read_history(client, since=since)


async def _type_history(
    client: FHIRClient, since: datetime | None, namespace: str | None
) -> HistoryBatch:
    def history_of(kind: str) -> PageSource:
        def pages() -> AsyncIterator[dict[str, Any]]:
            return client.history_pages(kind, since=since, count=PAGE_SIZE, no_cache=True)

        return pages

    kinds = sorted(CASE_RESOURCE_TYPES)
    return await collect([history_of(kind) for kind in kinds], types=CASE_RESOURCE_TYPES)


async def _search(
    client: FHIRClient, since: datetime | None, namespace: str | None
) -> HistoryBatch:
    params: dict[str, str] = {"_count": str(PAGE_SIZE)}
    if since is not None:
        params["_lastUpdated"] = f"ge{since.isoformat()}"
    if namespace is not None:
        params["_tag"] = tag_token(namespace)

    def search_of(kind: str) -> PageSource:
        def pages() -> AsyncIterator[dict[str, Any]]:
            return client.search_pages(kind, params, no_cache=True)

        return pages

    kinds = sorted(CASE_RESOURCE_TYPES)
    return await collect([search_of(kind) for kind in kinds], types=CASE_RESOURCE_TYPES)


_READERS: Final[dict[PullStrategy, Reader]] = {
    PullStrategy.SYSTEM_HISTORY: _system_history,
    PullStrategy.TYPE_HISTORY: _type_history,
    PullStrategy.SEARCH: _search,
}

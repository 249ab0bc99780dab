"""What a first pull reads: only what concerns this installation, never the whole server.

A ledger's first pull has no watermark. Reading the server's whole history would read every
other system's and installation's data too, so instead it reads the current version of this
installation's resources:

- with a namespace: by the namespace tag, one search per case resource type
  (:func:`adapter.sync.pull.history.read_namespace`);
- without one: by the adapter's business identifier systems, one search per type that has
  identifiers (:func:`adapter.sync.pull.history.read_own_identifiers`). Another installation
  writes under its namespace's systems and is never matched.

Both bound the read by ``_lastUpdated=le<server time>``. When the server profile (``adapter
ping``) says a type cannot be searched by identifier, or the server refuses the search as not
supported, the pull falls back to the history read of :mod:`adapter.sync.pull.strategies` and
says so (a note in ``refused``).
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Final

from adapter.errors import FHIRStatusError
from adapter.fhir import FHIRClient
from adapter.fhir.outcome import words
from adapter.sync.ledger import Ledger
from adapter.sync.pull.history import (
    CASE_RESOURCE_TYPES,
    UNIDENTIFIED_TYPES,
    HistoryBatch,
    read_namespace,
    read_own_identifiers,
)
from adapter.sync.pull.strategies import NOT_SUPPORTED, read_changes
from adapter.sync.server_profile import stored_profile

__all__ = ["BY_IDENTIFIERS", "BY_NAMESPACE", "read_first"]

BY_NAMESPACE: Final = "namespace"
BY_IDENTIFIERS: Final = "identifiers"
_HISTORY: Final = "history"


async def read_first(
    client: FHIRClient, ledger: Ledger, *, namespace: str | None, strategy: str
) -> tuple[HistoryBatch, str]:
    """The first pull's batch and how it was read (``namespace``, ``identifiers`` or
    ``history`` after a refusal)."""
    if namespace is not None:
        return await read_namespace(client, namespace=namespace), BY_NAMESPACE
    profile = await asyncio.to_thread(stored_profile, ledger, client.base.url)
    searchable = profile.identifier_search_types if profile is not None else {}
    refused = sorted(
        kind
        for kind, ok in searchable.items()
        if not ok and kind in CASE_RESOURCE_TYPES - UNIDENTIFIED_TYPES
    )
    if refused:
        note = f"identifier search: not on {', '.join(refused)} (server profile)"
        return await _history(client, strategy, note), _HISTORY
    try:
        return await read_own_identifiers(client), BY_IDENTIFIERS
    except FHIRStatusError as exc:
        if exc.status not in NOT_SUPPORTED:
            raise
        said = words(exc.outcome)
        note = f"identifier search: HTTP {exc.status}" + (f" ({said})" if said else "")
        return await _history(client, strategy, note), _HISTORY


async def _history(client: FHIRClient, strategy: str, note: str) -> HistoryBatch:
    batch = await read_changes(client, since=None, namespace=None, strategy=strategy)
    return replace(batch, refused=(note, *batch.refused))

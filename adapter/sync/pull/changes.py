"""Changes read from a server's ``_history``: parsed, deduplicated, and filtered against the ledger.

Pure functions over plain data, so the rules that keep an incremental pull from missing or
repeating anything are tested without a server:

- the query starts ``overlap`` before the watermark, because resources committed in a long
  transaction carry a ``lastUpdated`` older than the moment they became visible;
- the overlap and HAPI's offset paging (newest first, so concurrent writes shift entries to
  later pages) both repeat entries: only the newest version of each resource counts;
- a version the ledger already holds is our own write echoing back, or a change already pulled,
  unless its content differs from what the ledger knows: then the server went back in time
  (restored from a backup, renumbered) and it is a *suspect*, judged by what it changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from adapter.sync.hashing import content_hash
from adapter.sync.ledger.letters import RESEND_HASH
from adapter.sync.ledger.records import Entry, ResourceKey
from adapter.sync.merge import instant

__all__ = [
    "Change",
    "Newest",
    "fresh",
    "history_time",
    "latest_changes",
    "parse_entry",
    "query_since",
    "suspects",
]


@dataclass(frozen=True, slots=True)
class Change:
    """The newest version of one resource seen in the history, or its deletion."""

    resource_type: str
    resource_id: str
    version_id: str | None
    resource: Mapping[str, Any] | None

    @property
    def key(self) -> ResourceKey:
        return ResourceKey(self.resource_type, self.resource_id)

    @property
    def deleted(self) -> bool:
        return self.resource is None


def query_since(watermark: datetime | None, overlap: timedelta) -> datetime | None:
    """Where the next history query starts: ``overlap`` before the watermark (None: from the
    beginning)."""
    return None if watermark is None else watermark - overlap


def history_time(page: Mapping[str, Any]) -> datetime | None:
    """The server's time of a history page (``Bundle.meta.lastUpdated``), if it says."""
    text = (page.get("meta") or {}).get("lastUpdated")
    return instant(text) if isinstance(text, str) else None


def parse_entry(entry: Mapping[str, Any]) -> Change | None:
    """One history entry as a :class:`Change`; None when it names no resource we can key."""
    request = entry.get("request") or {}
    resource = entry.get("resource")
    if request.get("method") == "DELETE" or not isinstance(resource, Mapping):
        return _deletion(str(request.get("url") or entry.get("fullUrl") or ""))
    kind, ident = resource.get("resourceType"), resource.get("id")
    if not isinstance(kind, str) or not isinstance(ident, str):
        return None
    version = (resource.get("meta") or {}).get("versionId")
    return Change(kind, ident, str(version) if version is not None else None, resource)


def _deletion(url: str) -> Change | None:
    # A delete entry has no resource: type, id and version come from request.url
    # ("Goal/g1/_history/2") or, failing that, the fullUrl.
    parts = url.split("/")
    version = None
    if "_history" in parts:
        at = parts.index("_history")
        version = parts[at + 1] if at + 1 < len(parts) else None
        parts = parts[:at]
    if len(parts) < 2 or not parts[-2][:1].isupper() or not parts[-1]:
        return None
    return Change(parts[-2], parts[-1], version or None, None)


class Newest:
    """Collects history entries, keeping only the newest version of each resource.

    Repeated (type, id, version) entries collapse to one; between versions of one resource the
    higher ``versionId`` wins, and between equal or unnumbered versions the one seen first (a
    history is listed newest first). Deletes are kept: a delete is a resource's newest version.
    """

    def __init__(self, types: frozenset[str] | None = None) -> None:
        self.types = types
        self.read = 0
        self._newest: dict[ResourceKey, Change] = {}

    def add(self, entry: Mapping[str, Any]) -> None:
        self.read += 1
        change = parse_entry(entry)
        if change is None or (self.types is not None and change.resource_type not in self.types):
            return
        seen = self._newest.get(change.key)
        if seen is None or _numerically_newer(change.version_id, seen.version_id):
            self._newest[change.key] = change

    def changes(self) -> list[Change]:
        return list(self._newest.values())


def latest_changes(
    entries: Iterable[Mapping[str, Any]], *, types: frozenset[str] | None = None
) -> list[Change]:
    """The newest version of each resource among ``entries`` (of ``types`` only); see
    :class:`Newest`."""
    newest = Newest(types)
    for entry in entries:
        newest.add(entry)
    return newest.changes()


def fresh(changes: Iterable[Change], known: Mapping[ResourceKey, Entry]) -> list[Change]:
    """The changes the ledger does not hold yet.

    A version equal to (or older than) the ledger's is our own write coming back, or a change
    an earlier pull already applied.
    """
    return [change for change in changes if _is_news(change, known.get(change.key))]


def suspects(changes: Iterable[Change], known: Mapping[ResourceKey, Entry]) -> list[Change]:
    """The changes at or below the ledger's version whose content differs from the ledger's.

    Our own writes and the changes a pull applied come back with the version the ledger holds
    and the same content. The same or an older version with other content means the server
    lost what the ledger recorded (a restore, a renumbering) and someone wrote on top of it: a
    real change hiding behind a version number. Pull applies these too; one that changes
    nothing in the case (a pulled resource the server spells differently) is still known.
    Deletes are left out: a delete below our version cannot be told from an old one.
    """
    out = []
    for change in changes:
        entry = known.get(change.key)
        if entry is None or _is_news(change, entry) or change.resource is None:
            continue
        if entry.content_hash == RESEND_HASH:  # a person chose our side: it differs on purpose
            continue
        if content_hash(change.resource) != entry.content_hash:
            out.append(change)
    return out


def _is_news(change: Change, entry: Entry | None) -> bool:
    if entry is None or entry.version_id is None or change.version_id is None:
        return True  # nothing to compare with: the change cannot be proved to be ours
    return _newer(change.version_id, entry.version_id)


def _newer(candidate: str, current: str) -> bool:
    """Whether version ``candidate`` is news next to ``current`` (the ledger's)."""
    if candidate == current:
        return False
    if candidate.isdigit() and current.isdigit():
        return int(candidate) > int(current)
    # A server with opaque version ids: any version other than the one we hold is news.
    return True


def _numerically_newer(candidate: str | None, current: str | None) -> bool:
    if candidate is None or current is None or not (candidate.isdigit() and current.isdigit()):
        return False
    return int(candidate) > int(current)

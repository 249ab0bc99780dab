"""The case store (the outbox) ..."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from adapter.sync.ledger.base import LedgerBase
from adapter.sync.ledger.records import (
    Entry,
    ResourceKey,
    from_row,
)
from adapter.sync.ledger.schema import (
    case_snapshots,
    cases,
)
from adapter.sync.ledger.statements import (
    CASE_ROW,
    DEAD_LETTER_OPEN,
    DISPUTES_OPEN,
    ENTRIES,
    SNAPSHOT_ROW,
    case_upsert,
    snapshot_upsert,
)
from adapter.sync.ledger.writes import LOCAL_PENDING, entry_params

__all__ = [
    "API_SOURCE",
    "CM_OWNED_DISPUTE",
    "PULL_SOURCE",
    "Cases",
    "OpenDispute",
    "PushContext",
    "StoredCase",
    "disputed_paths",
    "known_entries",
    "store_case",
    "store_snapshot",
]


API_SOURCE = "api"


PULL_SOURCE = "pull"

#: The kind of a pull's conflict about case-management elements changed on the server (kept in
#: the conflict's detail); the next push writes them back and resolves it.
CM_OWNED_DISPUTE = "case-management-owned"


_CHUNK = 500  # keys per IN (...) query, well under every driver's parameter limit


@dataclass(frozen=True, slots=True)
class StoredCase:
    """One case in the store. ``document`` is None when no valid version was ever accepted
    (the source still says where the last, invalid, one came from)."""

    case_id: str
    document: dict[str, Any] | None
    source: str
    updated_at: datetime
    sent: dict[str, Any] | None = None
    """The case as the case-management system last sent it (before any rebase), if known."""

    @property
    def from_file(self) -> bool:
        return self.source not in (API_SOURCE, PULL_SOURCE)


@dataclass(frozen=True, slots=True)
class OpenDispute:
    """An open conflict a pull recorded (case-management ``fields`` of ``resource`` changed on
    the server), or any conflict settled for the local side: the next push writes the case
    manager's values back and resolves it."""

    conflict_id: int
    resource: ResourceKey
    fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PushContext:
    """What the ledger holds about one case before it is pushed to one server."""

    stored: StoredCase | None
    snapshot: dict[str, Any] | None
    mapping: str | None
    resources: int | None
    dead_letter_open: bool
    disputes: tuple[OpenDispute, ...] = ()
    merges: tuple[OpenDispute, ...] = ()
    """Open conflicts of a push's merge (both sides changed a case-management element): not
    written back by themselves, but closed when a push writes back all their elements."""

    def unchanged(self, document: object, mapping: str) -> bool:
        """``document`` would send nothing: it is the accepted case, pushed in full with this
        ``mapping``, and nothing failed since (wherever it was read from this time)."""
        stored = self.stored
        return (
            stored is not None
            and self.mapping == mapping
            and self.resources is not None
            and not self.dead_letter_open
            and not self.disputes
            and isinstance(document, dict)
            and stored.document == document
            and self.snapshot == document
        )


def known_entries(
    conn: Connection, server: str, resources: Iterable[tuple[str, str]]
) -> dict[ResourceKey, Entry]:
    """The entries of ``resources`` ((type, id) pairs) on ``server``; unknown ones absent."""
    keys = list(dict.fromkeys(ResourceKey(*key) for key in resources))
    wanted = set(keys)
    found: dict[ResourceKey, Entry] = {}
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        for row in conn.execute(ENTRIES, entry_params(server, chunk)):
            entry = from_row(Entry, row)
            if entry.key in wanted:
                found[entry.key] = entry
    return found


def store_case(
    conn: Connection,
    case_id: str,
    document: Mapping[str, Any] | None,
    *,
    source: str,
    now: datetime,
    sent: Mapping[str, Any] | None = None,
) -> None:
    """Upsert the case row; ``sent`` (what the case-management system sent) when it sent it."""
    values: dict[str, Any] = {"case_id": case_id, "source": source, "updated_at": now}
    if document is not None:
        values["document"] = dict(document)
    if sent is not None:
        values["sent"] = dict(sent)
    stmt = case_upsert(conn.dialect.name, document is not None, sent is not None)
    conn.execute(stmt, values)


def store_snapshot(
    conn: Connection,
    server: str,
    case_id: str,
    document: Mapping[str, Any],
    *,
    run_id: int,
    now: datetime,
    mapping: str | None = None,
    resources: int | None = None,
) -> None:
    """Inside an open write transaction: ``document`` is now the case as pushed to ``server``.

    ``mapping`` and ``resources`` (the mapping fingerprint and the number of resources) only
    when it was pushed in full and every resource landed: they let the next push of the same
    document skip it (:class:`adapter.sync.ledger.cases.PushContext`)."""
    values = {
        "server_url": server,
        "case_id": case_id,
        "document": dict(document),
        "run_id": run_id,
        "pushed_at": now,
        "mapping": mapping,
        "resources": resources,
    }
    conn.execute(snapshot_upsert(conn.dialect.name), values)


def disputed_paths(fields: Iterable[str], detail: Mapping[str, Any] | None) -> tuple[str, ...]:
    """The element paths a conflict disputes (what a push writes back, or a person takes from
    the server): a push's merge conflict names them apart (the others were merged already); a
    pull's conflict names them all in ``fields``."""
    named = (detail or {}).get("conflicts")
    return tuple(named) if isinstance(named, list) and named else tuple(fields)


class Cases(LedgerBase):
    """The case store and the push context read from it."""

    def put_case(
        self,
        case_id: str,
        document: Mapping[str, Any] | None,
        *,
        source: str,
        sent: Mapping[str, Any] | None = None,
    ) -> StoredCase:
        """Keep ``document`` as the latest accepted version of the case (validate it first),
        and ``sent`` as what the case-management system sent, when it sent it.

        ``document=None`` only records where an invalid version came from, keeping the last
        accepted document.
        """
        with self._write("put_case") as conn:
            store_case(conn, case_id, document, source=source, now=self._now(), sent=sent)
            row = conn.execute(select(cases).where(cases.c.case_id == case_id)).one()
        return StoredCase(*row)

    def get_case(self, case_id: str) -> StoredCase | None:
        with self._read("get_case") as conn:
            row = conn.execute(select(cases).where(cases.c.case_id == case_id)).one_or_none()
        return None if row is None else StoredCase(*row)

    def case_ids(self) -> list[str]:
        """Every case id in the store, sorted."""
        with self._read("case_ids") as conn:
            return list(conn.execute(select(cases.c.case_id).order_by(cases.c.case_id)).scalars())

    def pushed_snapshot(self, server: str, case_id: str) -> dict[str, Any] | None:
        """The case document as last pushed in full to ``server``, if ever."""
        query = select(case_snapshots.c.document).where(
            case_snapshots.c.server_url == server, case_snapshots.c.case_id == case_id
        )
        with self._read("pushed_snapshot") as conn:
            document: dict[str, Any] | None = conn.execute(query).scalar_one_or_none()
        return document

    def push_context(self, server: str, case_id: str) -> PushContext:
        """The stored case, its snapshot on ``server`` and whether a dead letter is open."""
        params = {"p_server": server, "p_case": case_id}
        with self._read("push_context") as conn:
            row = conn.execute(CASE_ROW, params).one_or_none()
            pushed = conn.execute(SNAPSHOT_ROW, params).one_or_none()
            letter_open = conn.execute(DEAD_LETTER_OPEN, params).first() is not None
            rows = [
                (
                    OpenDispute(
                        row.id,
                        ResourceKey(row.resource_type, row.resource_id),
                        disputed_paths(row.fields, row.detail),
                    ),
                    row,
                )
                for row in conn.execute(DISPUTES_OPEN, params)
            ]
        disputes = tuple(
            dispute
            for dispute, row in rows
            if (row.detail or {}).get("kind") == CM_OWNED_DISPUTE or row.resolution == LOCAL_PENDING
        )
        merges = tuple(
            dispute
            for dispute, row in rows
            if row.resolved_at is None and "conflicts" in (row.detail or {})
        )
        return PushContext(
            stored=None if row is None else StoredCase(*row),
            snapshot=None if pushed is None else pushed.document,
            mapping=None if pushed is None else pushed.mapping,
            resources=None if pushed is None else pushed.resources,
            dead_letter_open=letter_open,
            disputes=disputes,
            merges=merges,
        )

    def accept_case(
        self,
        server: str,
        case_id: str,
        document: Mapping[str, Any],
        *,
        source: str,
        resources: Iterable[tuple[str, str]],
        sent: Mapping[str, Any] | None = None,
    ) -> dict[ResourceKey, Entry]:
        """Keep ``document`` as the accepted case (and ``sent`` as what the case-management
        system sent) and return what the ledger knows of its ``resources`` on ``server``, in
        one transaction."""
        with self._write("accept_case") as conn:
            store_case(conn, case_id, document, source=source, now=self._now(), sent=sent)
            return known_entries(conn, server, resources)

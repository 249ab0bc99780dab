"""The statements behind ``record_success`` and ``record_failure``: one case, one transaction.

Upserts use ``INSERT ... ON CONFLICT``, which SQLite and PostgreSQL share, so two workers
recording the same resource or the same case's failure never trip over a unique constraint.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, update

from adapter.sync.ledger.engine import upsert
from adapter.sync.ledger.records import DeadLetter, ResourceKey, SyncedResource, from_row
from adapter.sync.ledger.schema import (
    AttemptOutcome,
    ReasonCode,
    conflicts,
    dead_letters,
    entries,
)
from adapter.sync.ledger.statements import (
    ADD_ATTEMPT,
    CLOSE_DEAD_LETTER,
    COUNT_RUN,
    ENTRY_VERSIONS_OF_RUN,
    entries_upsert,
)

__all__ = ["LOCAL_PENDING", "CaseWriter", "describe", "entry_params"]

#: A conflict settled for the local side whose values the next push has yet to write.
LOCAL_PENDING = "local-pending"

_ENTRY_KEY = [entries.c.server_url, entries.c.resource_type, entries.c.resource_id]


def entry_params(server: str, keys: Collection[tuple[str, str]]) -> dict[str, Any]:
    """The parameters of :data:`ledger_statements.ENTRIES` for ``keys`` ((type, id) pairs) on
    ``server``: all types and all ids, so the rows may hold pairs nobody asked for (filter)."""
    return {
        "p_server": server,
        "p_types": sorted({key[0] for key in keys}),
        "p_ids": sorted({key[1] for key in keys}),
    }


@dataclass(frozen=True, slots=True)
class CaseWriter:
    """Writes about one case, in one run, inside one open write transaction."""

    conn: Connection
    run_id: int
    server: str
    case_id: str
    now: datetime

    def add_attempt(self, outcome: AttemptOutcome, **details: Any) -> None:
        """One row in the case's story (``adapter explain``)."""
        self.conn.execute(
            ADD_ATTEMPT,
            {
                "run_id": self.run_id,
                "server_url": self.server,
                "case_id": self.case_id,
                "at": self.now,
                "outcome": outcome,
                **details,
            },
        )

    def add_conflict(
        self,
        resource: tuple[str, str],
        *,
        local_version: str | None,
        server_version: str | None,
        fields: Sequence[str],
        detail: Mapping[str, Any] | None,
        resolved: bool = False,
    ) -> None:
        """A resource both sides changed (closed at once when ``resolved``)."""
        self.conn.execute(
            insert(conflicts).values(
                server_url=self.server,
                case_id=self.case_id,
                resource_type=resource[0],
                resource_id=resource[1],
                local_version=local_version,
                server_version=server_version,
                fields=list(fields),
                detail=dict(detail) if detail is not None else None,
                run_id=self.run_id,
                created_at=self.now,
                resolved_at=self.now if resolved else None,
            )
        )

    def resolve_conflicts(self, ids: Collection[int]) -> None:
        """Close the open conflicts ``ids`` (their elements were written back): ``restored``
        by the push's rule, or ``local`` when a person had chosen the local side."""
        if ids:
            chosen = conflicts.c.id.in_(sorted(ids))
            self.conn.execute(
                update(conflicts)
                .where(chosen, conflicts.c.resolution == LOCAL_PENDING)
                .values(resolution="local")
            )
            self.conn.execute(
                update(conflicts)
                .where(chosen, conflicts.c.resolved_at.is_(None))
                .values(resolved_at=self.now, resolution="restored")
            )

    def store_entries(self, results: Sequence[SyncedResource]) -> None:
        """Store what the server now holds; a success clears the failure count."""
        # A resource reported twice for one case (re-sent within the case): the last report wins.
        latest = {ResourceKey(r.resource_type, r.resource_id): r for r in results}
        for key in self._recorded_newer(latest) if latest else []:
            del latest[key]
        if not latest:
            return
        rows = [
            {
                **self._entry_base(),
                "resource_type": result.resource_type,
                "resource_id": result.resource_id,
                "internal_key": result.internal_key,
                "version_id": result.version_id,
                "content_hash": result.content_hash,
                "last_synced_at": self.now,
                "attempts": 0,
            }
            for result in latest.values()
        ]
        self.conn.execute(entries_upsert(self.conn.dialect.name), rows)

    def _recorded_newer(self, latest: Mapping[ResourceKey, SyncedResource]) -> list[ResourceKey]:
        """Resources this run already recorded at a higher version. Cases run in parallel and
        record in any order, so a resource two cases share (one client's Patient) may report an
        older version after a newer one: keeping the newer one keeps our own last write from
        looking like a server-side change to the next pull. The same holds for a version
        another process's run recorded since this run started (statements.py)."""
        params = {**entry_params(self.server, latest), "p_run": self.run_id}
        stored = {
            key: version
            for kind, ident, version in self.conn.execute(ENTRY_VERSIONS_OF_RUN, params)
            if (key := ResourceKey(kind, ident)) in latest
        }
        return [key for key, version in stored.items() if _older(latest[key].version_id, version)]

    def mark_failing(self, resources: Iterable[tuple[str, str]], error_class: str) -> None:
        """Count a failure on each resource's entry (creating entries never synced yet)."""
        keys = list(dict.fromkeys(ResourceKey(*key) for key in resources))
        if not keys:
            return
        failed = {"last_error_class": error_class, "last_error_at": self.now}
        stmt = upsert(self.conn, entries)
        stmt = stmt.on_conflict_do_update(
            index_elements=_ENTRY_KEY,
            set_={"attempts": entries.c.attempts + 1, "last_run_id": self.run_id, **failed},
        )
        rows = [
            {**self._entry_base(), **failed, "resource_type": t, "resource_id": i, "attempts": 1}
            for t, i in keys
        ]
        self.conn.execute(stmt, rows)

    def open_dead_letter(self, reason: ReasonCode, failure: Mapping[str, Any]) -> DeadLetter:
        """Open the case's dead letter, or fold this failure into the one already open."""
        stmt = upsert(self.conn, dead_letters).values(
            server_url=self.server,
            case_id=self.case_id,
            reason=reason,
            first_at=self.now,
            last_at=self.now,
            attempts=1,
            last_run_id=self.run_id,
            **failure,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[dead_letters.c.server_url, dead_letters.c.case_id],
            index_where=dead_letters.c.resolved_at.is_(None),
            set_={
                "reason": reason,
                "last_at": self.now,
                "attempts": dead_letters.c.attempts + 1,
                "last_run_id": self.run_id,
                **failure,
            },
        )
        row = self.conn.execute(stmt.returning(*dead_letters.c)).one()
        return from_row(DeadLetter, row)

    def close_dead_letter(self) -> None:
        """The case went through: its open dead letter, if any, is resolved."""
        self.conn.execute(CLOSE_DEAD_LETTER, self._params())

    def count(
        self,
        *,
        cases_ok: int = 0,
        cases_failed: int = 0,
        resources_written: int = 0,
        resources_unchanged: int = 0,
    ) -> None:
        """Add to the run's counters and touch its heartbeat."""
        self.conn.execute(
            COUNT_RUN,
            {
                "p_run": self.run_id,
                "p_now": self.now,
                "p_cases_ok": cases_ok,
                "p_cases_failed": cases_failed,
                "p_resources_written": resources_written,
                "p_resources_unchanged": resources_unchanged,
            },
        )

    def _params(self) -> dict[str, Any]:
        return {
            "p_server": self.server,
            "p_case": self.case_id,
            "p_run": self.run_id,
            "p_now": self.now,
        }

    def _entry_base(self) -> dict[str, Any]:
        return {"server_url": self.server, "case_id": self.case_id, "last_run_id": self.run_id}


def _older(candidate: str | None, current: str | None) -> bool:
    """Version ``candidate`` is numerically below ``current`` (opaque ids: never)."""
    if not candidate or not current or not (candidate.isdigit() and current.isdigit()):
        return False
    return int(candidate) < int(current)


def describe(result: SyncedResource) -> dict[str, Any]:
    """What an attempt row keeps of one resource: type, id, version, whether it changed."""
    return {
        "type": result.resource_type,
        "id": result.resource_id,
        "version_id": result.version_id,
        "changed": result.changed,
    }

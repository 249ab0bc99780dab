"""The ledger's plumbing and its simple lookups: dead letters, conflicts, watermarks, settings.

:class:`adapter.sync.ledger.Ledger` builds on this with runs and per-case results; use that.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Self

from sqlalchemy import Connection, Engine, delete, func, insert, select, tuple_, update

from adapter.errors import LedgerError
from adapter.sync.ledger.engine import masked, transaction, upsert
from adapter.sync.ledger.records import Conflict, DeadLetter, LedgerCounts, from_row
from adapter.sync.ledger.schema import (
    ReasonCode,
    RunStatus,
    case_snapshots,
    conflicts,
    dead_letters,
    entries,
    runs,
    settings_kv,
    watermarks,
)

__all__ = ["LedgerStore", "utcnow"]


def utcnow() -> datetime:
    return datetime.now(UTC)


class LedgerStore:
    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._engine = engine
        self._clock = clock

    @property
    def url(self) -> str:
        """The database URL, password masked."""
        return masked(self._engine.url)

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- dead letters ---------------------------------------------------------------------------

    def dead_letters(
        self,
        server: str | None = None,
        *,
        open_only: bool = True,
        reason: ReasonCode | None = None,
    ) -> list[DeadLetter]:
        """Dead letters, oldest first."""
        query = select(dead_letters).order_by(dead_letters.c.id)
        if server is not None:
            query = query.where(dead_letters.c.server_url == server)
        if open_only:
            query = query.where(dead_letters.c.resolved_at.is_(None))
        if reason is not None:
            query = query.where(dead_letters.c.reason == reason)
        with self._read("dead_letters") as conn:
            return [from_row(DeadLetter, row) for row in conn.execute(query)]

    def dead_letter(self, dead_letter_id: int) -> DeadLetter | None:
        query = select(dead_letters).where(dead_letters.c.id == dead_letter_id)
        with self._read("dead_letter") as conn:
            row = conn.execute(query).one_or_none()
        return None if row is None else from_row(DeadLetter, row)

    def resolve_dead_letter(
        self, dead_letter_id: int, *, resolution: str = "discarded"
    ) -> DeadLetter:
        """Close a dead letter by hand (``resolution`` says how); closing twice keeps the first."""
        now = self._now()
        stmt = (
            update(dead_letters)
            .where(dead_letters.c.id == dead_letter_id, dead_letters.c.resolved_at.is_(None))
            .values(resolved_at=now, resolution=resolution)
        )
        with self._write("resolve_dead_letter") as conn:
            conn.execute(stmt)
            row = conn.execute(
                select(dead_letters).where(dead_letters.c.id == dead_letter_id)
            ).one_or_none()
        if row is None:
            raise self._missing("dead letter", dead_letter_id, "resolve_dead_letter")
        return from_row(DeadLetter, row)

    # -- conflicts ------------------------------------------------------------------------------

    def record_conflict(
        self,
        server: str,
        case_id: str,
        resource: tuple[str, str],
        *,
        local_version: str | None,
        server_version: str | None,
        fields: Sequence[str],
        detail: Mapping[str, Any] | None = None,
        run_id: int | None = None,
    ) -> Conflict:
        """Keep a conflict on ``resource`` ((type, id)): both sides changed ``fields``."""
        values = {
            "server_url": server,
            "case_id": case_id,
            "resource_type": resource[0],
            "resource_id": resource[1],
            "local_version": local_version,
            "server_version": server_version,
            "fields": list(fields),
            "detail": dict(detail) if detail is not None else None,
            "run_id": run_id,
            "created_at": self._now(),
        }
        with self._write("record_conflict") as conn:
            row = conn.execute(insert(conflicts).values(values).returning(*conflicts.c)).one()
        return from_row(Conflict, row)

    def conflicts(
        self, *, server: str | None = None, case_id: str | None = None, open_only: bool = True
    ) -> list[Conflict]:
        """Conflicts, oldest first."""
        query = select(conflicts).order_by(conflicts.c.id)
        if server is not None:
            query = query.where(conflicts.c.server_url == server)
        if case_id is not None:
            query = query.where(conflicts.c.case_id == case_id)
        if open_only:
            query = query.where(conflicts.c.resolved_at.is_(None))
        with self._read("conflicts") as conn:
            return [from_row(Conflict, row) for row in conn.execute(query)]

    def resolve_conflict(self, conflict_id: int) -> Conflict:
        """Mark a conflict decided; resolving twice keeps the first time."""
        stmt = (
            update(conflicts)
            .where(conflicts.c.id == conflict_id)
            .values(resolved_at=func.coalesce(conflicts.c.resolved_at, self._now()))
            .returning(*conflicts.c)
        )
        with self._write("resolve_conflict") as conn:
            row = conn.execute(stmt).one_or_none()
        if row is None:
            raise self._missing("conflict", conflict_id, "resolve_conflict")
        return from_row(Conflict, row)

    # -- watermarks and settings ----------------------------------------------------------------

    def watermark(self, server: str, stream: str) -> datetime | None:
        """How far ``stream`` (e.g. ``pull``) has read on ``server``, in the server's clock."""
        query = select(watermarks.c.value).where(
            watermarks.c.server_url == server, watermarks.c.stream == stream
        )
        with self._read("watermark") as conn:
            return conn.execute(query).scalar_one_or_none()

    def watermarks(self, stream: str) -> dict[str, datetime]:
        """Server URL -> how far ``stream`` has read there, for every server it has read."""
        query = select(watermarks.c.server_url, watermarks.c.value).where(
            watermarks.c.stream == stream
        )
        with self._read("watermarks") as conn:
            return {row.server_url: row.value for row in conn.execute(query)}

    def set_watermark(self, server: str, stream: str, value: datetime) -> None:
        """Move the watermark (an aware datetime from the server, never the local clock)."""
        with self._write("set_watermark") as conn:
            ins = upsert(conn, watermarks).values(
                server_url=server, stream=stream, value=value, updated_at=self._now()
            )
            conn.execute(
                ins.on_conflict_do_update(
                    index_elements=[watermarks.c.server_url, watermarks.c.stream],
                    set_={"value": ins.excluded.value, "updated_at": ins.excluded.updated_at},
                )
            )

    def get_setting(self, key: str) -> str | None:
        query = select(settings_kv.c.value).where(settings_kv.c.key == key)
        with self._read("get_setting") as conn:
            return conn.execute(query).scalar_one_or_none()

    def set_setting(self, key: str, value: str) -> None:
        with self._write("set_setting") as conn:
            ins = upsert(conn, settings_kv).values(key=key, value=value, updated_at=self._now())
            conn.execute(
                ins.on_conflict_do_update(
                    index_elements=[settings_kv.c.key],
                    set_={"value": ins.excluded.value, "updated_at": ins.excluded.updated_at},
                )
            )

    def ensure_setting(self, key: str, default: str) -> str:
        """The stored value of ``key``; stores ``default`` first if there is none.

        Safe under concurrency: when two processes race, both get the value that won.
        """
        with self._write("ensure_setting") as conn:
            ins = upsert(conn, settings_kv).values(key=key, value=default, updated_at=self._now())
            conn.execute(ins.on_conflict_do_nothing(index_elements=[settings_kv.c.key]))
            query = select(settings_kv.c.value).where(settings_kv.c.key == key)
            value: str = conn.execute(query).scalar_one()
            return value

    def forget(self, server: str, resources: Sequence[tuple[str, str]]) -> int:
        """Drop the entries of ``resources`` ((type, id) pairs) on ``server``, so the next push
        sends them again (after ``sandbox clean`` deleted them there); returns how many went.
        Their cases' snapshots stop vouching that a push of the same document sends nothing."""
        gone = 0
        with self._write("forget") as conn:
            for start in range(0, len(resources), 500):
                chunk = list(resources[start : start + 500])
                where = (
                    entries.c.server_url == server,
                    tuple_(entries.c.resource_type, entries.c.resource_id).in_(chunk),
                )
                touched = select(entries.c.case_id).where(*where).distinct()
                conn.execute(
                    update(case_snapshots)
                    .where(
                        case_snapshots.c.server_url == server,
                        case_snapshots.c.case_id.in_(touched),
                    )
                    .values(mapping=None, resources=None)
                )
                gone += conn.execute(delete(entries).where(*where)).rowcount
        return gone

    # -- status ---------------------------------------------------------------------------------

    def counts(self, server: str | None = None) -> LedgerCounts:
        """Totals for ``adapter status``, for one server or all."""

        def scoped(query: Any, table: Any) -> Any:
            return query if server is None else query.where(table.c.server_url == server)

        by_type = scoped(
            select(entries.c.resource_type, func.count()).group_by(entries.c.resource_type), entries
        )
        failing = scoped(select(func.count()).where(entries.c.attempts > 0), entries)
        letters = scoped(
            select(dead_letters.c.reason, func.count())
            .where(dead_letters.c.resolved_at.is_(None))
            .group_by(dead_letters.c.reason),
            dead_letters,
        )
        open_conflicts = scoped(
            select(func.count()).where(conflicts.c.resolved_at.is_(None)), conflicts
        )
        running = scoped(select(func.count()).where(runs.c.status == RunStatus.RUNNING), runs)
        with self._read("counts") as conn:
            return LedgerCounts(
                entries_by_type=dict(conn.execute(by_type).all()),
                failing_entries=conn.execute(failing).scalar_one(),
                open_dead_letters_by_reason=dict(conn.execute(letters).all()),
                open_conflicts=conn.execute(open_conflicts).scalar_one(),
                running_runs=conn.execute(running).scalar_one(),
            )

    # -- plumbing -------------------------------------------------------------------------------

    def _now(self) -> datetime:
        return self._clock().astimezone(UTC)

    @contextmanager
    def _read(self, operation: str) -> Iterator[Connection]:
        with transaction(self._engine, write=False, operation=operation) as conn:
            yield conn

    @contextmanager
    def _write(self, operation: str) -> Iterator[Connection]:
        with transaction(self._engine, write=True, operation=operation) as conn:
            yield conn

    def _missing(self, noun: str, ident: int, operation: str) -> LedgerError:
        return LedgerError(f"no {noun} {ident} in the ledger", url=self.url, operation=operation)

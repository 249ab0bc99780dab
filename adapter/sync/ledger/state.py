"""Watermarks (how far pulls have read), the ledger's own settings, and totals for status."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select

from adapter.sync.ledger.base import LedgerBase
from adapter.sync.ledger.engine import (
    upsert,
)
from adapter.sync.ledger.records import (
    LedgerCounts,
)
from adapter.sync.ledger.schema import (
    RunStatus,
    conflicts,
    dead_letters,
    entries,
    runs,
    settings_kv,
    watermarks,
)

__all__ = ["State"]


class State(LedgerBase):
    """Watermarks, the ledger's own settings, and totals."""

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

    def delete_setting(self, key: str) -> None:
        with self._write("delete_setting") as conn:
            conn.execute(delete(settings_kv).where(settings_kv.c.key == key))

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

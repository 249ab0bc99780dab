"""The change feed in the ledger: rows written with the stored case, read by cursor.

:func:`add_changes` runs inside the write transaction that stores the case (a pull's
``record_pulled``, a push's ``record_success``/``record_partial``, a conflict settled for the
server), so a feed row exists exactly when the stored case it describes does. The row id is the
cursor. On PostgreSQL ids are handed out at insert time but become visible at commit, so two
writers could commit out of order and a reader between the commits would step over the earlier
id for good; a transaction-scoped advisory lock taken before the insert makes id order commit
order. SQLite writers are serial already (``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Connection, func, insert, select, text

from adapter.errors import InputError
from adapter.sync.feed import FeedChange
from adapter.sync.ledger.base import LedgerBase
from adapter.sync.ledger.records import from_row
from adapter.sync.ledger.schema import changes

__all__ = ["MAX_CURSOR", "ChangeRow", "Feed", "add_changes", "parse_cursor"]

#: Cursors are 63-bit: what every SQL integer column holds.
MAX_CURSOR: Final = 2**63 - 1
_PG_FEED_LOCK = 0x46454544


def parse_cursor(value: str | int | None) -> int:
    """A cursor given by a person or a client: a whole number from 0 (the start) to 2**63 - 1.
    Anything else is an :class:`InputError` naming the field (the value is no patient data)."""
    if value is None or value == "":
        return 0
    text_value = str(value).strip()
    if not text_value.isdigit() or not text_value.isascii():
        raise InputError(record="changes", field="cursor", reason="not a whole number >= 0")
    if len(text_value) > 19 or int(text_value) > MAX_CURSOR:
        raise InputError(record="changes", field="cursor", reason="larger than 2**63 - 1")
    return int(text_value)


@dataclass(frozen=True, slots=True)
class ChangeRow:
    """One feed row; ``id`` is its cursor."""

    id: int
    at: datetime
    server_url: str
    case_id: str
    run_id: int | None
    origin: str
    path: str
    old: Any
    new: Any
    resource_type: str | None
    resource_id: str | None
    version_id: str | None

    def to_dict(self) -> dict[str, Any]:
        """The documented shape (docs/pull.md, "The change feed")."""
        return {
            "cursor": self.id,
            "at": self.at.isoformat(),
            "server": self.server_url,
            "case_id": self.case_id,
            "run_id": self.run_id,
            "origin": self.origin,
            "path": self.path,
            "old": self.old,
            "new": self.new,
            "resource": {
                "type": self.resource_type,
                "id": self.resource_id,
                "version": self.version_id,
            },
        }


def add_changes(
    conn: Connection,
    server: str,
    feed: Sequence[FeedChange],
    *,
    run_id: int | None,
    now: datetime,
) -> list[int]:
    """Inside an open write transaction: append ``feed``; return the cursors given."""
    if not feed:
        return []
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_FEED_LOCK})
    ids = []
    for change in feed:
        row = {
            "at": now,
            "server_url": server,
            "case_id": change.case_id,
            "run_id": run_id,
            "origin": str(change.origin),
            "path": change.path[:512],
            "old": change.old,
            "new": change.new,
            "resource_type": change.resource_type,
            "resource_id": change.resource_id,
            "version_id": change.version_id,
        }
        ids.append(
            int(conn.execute(insert(changes).values(row).returning(changes.c.id)).scalar_one())
        )
    return ids


class Feed(LedgerBase):
    """Reading the change feed."""

    def changes_since(
        self, cursor: int, *, limit: int = 100, case_id: str | None = None
    ) -> list[ChangeRow]:
        """Rows after ``cursor`` (0: from the start), oldest first, at most ``limit``."""
        query = select(changes).where(changes.c.id > cursor)
        if case_id is not None:
            query = query.where(changes.c.case_id == case_id)
        with self._read("changes_since") as conn:
            rows = conn.execute(query.order_by(changes.c.id).limit(limit))
            return [from_row(ChangeRow, row) for row in rows]

    def feed_cursor(self) -> int:
        """The newest cursor (0 when the feed is empty)."""
        with self._read("feed_cursor") as conn:
            return int(conn.execute(select(func.coalesce(func.max(changes.c.id), 0))).scalar_one())

    def cases_changed_since(self, cursor: int) -> list[str]:
        """The ids of the cases with feed rows after ``cursor``, sorted."""
        query = select(changes.c.case_id).where(changes.c.id > cursor).distinct()
        with self._read("cases_changed_since") as conn:
            return sorted(conn.execute(query).scalars())

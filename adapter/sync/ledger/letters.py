"""Dead letters (what could not land) and conflicts (what both sides changed)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, insert, select, update

from adapter.sync.feed import FeedChange
from adapter.sync.ledger.base import LedgerBase
from adapter.sync.ledger.cases import store_case
from adapter.sync.ledger.feed import add_changes
from adapter.sync.ledger.records import (
    Conflict,
    DeadLetter,
    from_row,
)
from adapter.sync.ledger.schema import (
    ReasonCode,
    case_snapshots,
    conflicts,
    dead_letters,
    entries,
)

#: The ledger hash of a resource a person chose to overwrite with the local values: it matches
#: no content, so the next push sends the resource (with the elements to write back).
RESEND_HASH = "resend-local"

__all__ = ["Letters"]


class Letters(LedgerBase):
    """Dead letters and conflicts: listed, recorded, resolved."""

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

    def conflict(self, conflict_id: int) -> Conflict | None:
        with self._read("conflict") as conn:
            row = conn.execute(select(conflicts).where(conflicts.c.id == conflict_id)).first()
        return None if row is None else from_row(Conflict, row)

    def settle_conflict(
        self,
        conflict_id: int,
        resolution: str,
        *,
        case: tuple[Mapping[str, Any], str] | None = None,
        feed: Sequence[FeedChange] = (),
        resend: bool = False,
    ) -> Conflict | None:
        """Settle an open conflict in one transaction: mark it resolved with ``resolution``,
        store ``case`` (document, source) with its ``feed`` rows when the server's side was
        taken, and with ``resend`` make the next push send the resource (its entry matches no
        content, its case is planned again). None when it was not open (settled meanwhile)."""
        now = self._now()
        with self._write("settle_conflict") as conn:
            row = conn.execute(
                update(conflicts)
                .where(conflicts.c.id == conflict_id, conflicts.c.resolved_at.is_(None))
                .values(resolved_at=now, resolution=resolution)
                .returning(*conflicts.c)
            ).first()
            if row is None:
                return None
            settled = from_row(Conflict, row)
            if case is not None:
                store_case(conn, settled.case_id, case[0], source=case[1], now=now)
                add_changes(conn, settled.server_url, feed, run_id=None, now=now)
            if resend:
                conn.execute(
                    update(entries)
                    .where(
                        entries.c.server_url == settled.server_url,
                        entries.c.resource_type == settled.resource_type,
                        entries.c.resource_id == settled.resource_id,
                    )
                    .values(content_hash=RESEND_HASH)
                )
                conn.execute(
                    update(case_snapshots)
                    .where(
                        case_snapshots.c.server_url == settled.server_url,
                        case_snapshots.c.case_id == settled.case_id,
                    )
                    .values(mapping=None, resources=None)
                )
        return settled

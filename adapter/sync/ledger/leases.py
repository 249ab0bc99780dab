"""Case leases: several push workers on one ledger, each case held by one of them at a time.

A lease is a row (server, case) naming its holder and when it expires. Taking one is a single
``INSERT ... ON CONFLICT DO UPDATE ... WHERE`` (the row is free, expired, or already ours),
atomic on PostgreSQL under concurrent workers (the second writer waits on the row lock and
then sees the first one's lease) and on SQLite (one writer at a time). A worker renews the
leases it holds while it works and deletes them when a case is done; a killed worker's leases
simply expire, and the next worker to ask takes the case over.

Why rows and not ``SELECT ... FOR UPDATE SKIP LOCKED`` held for the push, or advisory locks:
both live in an open transaction or session, so a worker would pin one database connection per
case in flight while it waits on the FHIR server (seconds; minutes under ``Retry-After``),
against the ledger's rule that no transaction waits on the network; session locks do not
survive a transaction-pooling proxy (PgBouncer), and a half-open connection of a frozen worker
keeps them until TCP gives up. A row lease costs two short transactions per case sent, is
visible to operators (the ``case_leases`` table), and expires on a clock the operator sets.

Times are the ledger's clock on each worker: hosts must agree on the time (NTP) to well within
the lease length.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update

from adapter.sync.ledger.base import LedgerBase
from adapter.sync.ledger.engine import upsert
from adapter.sync.ledger.schema import case_leases

__all__ = ["DEFAULT_LEASE_SECONDS", "Leases"]

DEFAULT_LEASE_SECONDS = 60.0


class Leases(LedgerBase):
    """Take, renew, release and read case leases."""

    @property
    def shared(self) -> bool:
        """True on a database several hosts' workers share (PostgreSQL), False on SQLite."""
        return self._engine.dialect.name == "postgresql"

    def acquire_lease(self, server: str, case_id: str, holder: str, seconds: float) -> bool:
        """Take (or keep) the lease on ``case_id`` for ``seconds``; False while another
        holder's lease on it has not expired."""
        now = self._now()
        values = {
            "server_url": server,
            "case_id": case_id,
            "holder": holder,
            "acquired_at": now,
            "expires_at": now + timedelta(seconds=seconds),
        }
        with self._write("acquire_lease") as conn:
            statement = upsert(conn, case_leases).values(values)
            taken = statement.excluded
            statement = statement.on_conflict_do_update(
                index_elements=[case_leases.c.server_url, case_leases.c.case_id],
                set_={
                    "holder": taken.holder,
                    "acquired_at": taken.acquired_at,
                    "expires_at": taken.expires_at,
                },
                where=or_(case_leases.c.expires_at <= now, case_leases.c.holder == holder),
            )
            row = conn.execute(statement.returning(case_leases.c.holder)).one_or_none()
        return row is not None and row.holder == holder

    def renew_leases(
        self, server: str, holder: str, case_ids: Collection[str], seconds: float
    ) -> set[str]:
        """Push back the expiry of ``holder``'s leases on ``case_ids``; the ids still held (a
        lease that expired and was taken over by another worker is not renewed)."""
        if not case_ids:
            return set()
        now = self._now()
        renewed: set[str] = set()
        ids = list(case_ids)
        with self._write("renew_leases") as conn:
            for start in range(0, len(ids), 500):
                statement = (
                    update(case_leases)
                    .where(
                        case_leases.c.server_url == server,
                        case_leases.c.holder == holder,
                        case_leases.c.case_id.in_(ids[start : start + 500]),
                    )
                    .values(expires_at=now + timedelta(seconds=seconds))
                    .returning(case_leases.c.case_id)
                )
                renewed.update(conn.execute(statement).scalars())
        return renewed

    def release_lease(self, server: str, case_id: str, holder: str) -> bool:
        """Give the lease on ``case_id`` back (only ``holder``'s); True if it was held."""
        with self._write("release_lease") as conn:
            gone = conn.execute(
                delete(case_leases).where(
                    case_leases.c.server_url == server,
                    case_leases.c.case_id == case_id,
                    case_leases.c.holder == holder,
                )
            ).rowcount
        return bool(gone)

    def release_leases(self, holder: str) -> int:
        """Give back every lease ``holder`` still has (a run ending); how many there were."""
        with self._write("release_leases") as conn:
            return conn.execute(delete(case_leases).where(case_leases.c.holder == holder)).rowcount

    def lease_holder(self, server: str, case_id: str) -> tuple[str, datetime] | None:
        """Who holds ``case_id`` on ``server`` and until when; None when nobody (or expired)."""
        with self._read("lease_holder") as conn:
            row = conn.execute(
                select(case_leases.c.holder, case_leases.c.expires_at).where(
                    case_leases.c.server_url == server,
                    case_leases.c.case_id == case_id,
                    case_leases.c.expires_at > self._now(),
                )
            ).one_or_none()
        return None if row is None else (row.holder, row.expires_at)

    def leases_held(self, server: str | None = None) -> int:
        """How many unexpired leases there are (on ``server``, or on all servers)."""
        query = select(func.count()).where(case_leases.c.expires_at > self._now())
        if server is not None:
            query = query.where(case_leases.c.server_url == server)
        with self._read("leases_held") as conn:
            return int(conn.execute(query).scalar_one())

"""Referrals in the ledger. Inbound: the Tasks addressed to this case-management organization
that opened a case, per server, and the last answer the adapter wrote to each. Outbound: the
cancellation Tasks (code abort) sent for referrals the performer had started, and its answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from adapter.sync.ledger.base import LedgerBase
from adapter.sync.ledger.schema import inbound_referrals, outbound_aborts

__all__ = ["InboundReferral", "InboundReferrals", "OutboundAbort", "OutboundAborts"]


@dataclass(frozen=True, slots=True)
class InboundReferral:
    server_url: str
    task_id: str
    case_id: str
    status: str
    task_version: str | None
    claimed_at: datetime
    updated_at: datetime


class InboundReferrals(LedgerBase):
    """(server, Task id) -> the case it opened and the answer last written."""

    def inbound_referral(self, server: str, task_id: str) -> InboundReferral | None:
        query = select(inbound_referrals).where(
            inbound_referrals.c.server_url == server, inbound_referrals.c.task_id == task_id
        )
        with self._read("inbound_referral") as conn:
            row = conn.execute(query).one_or_none()
        return None if row is None else InboundReferral(*row)

    def inbound_referral_of_case(self, case_id: str) -> InboundReferral | None:
        query = select(inbound_referrals).where(inbound_referrals.c.case_id == case_id)
        with self._read("inbound_referral_of_case") as conn:
            row = conn.execute(query.order_by(inbound_referrals.c.claimed_at)).first()
        return None if row is None else InboundReferral(*row)

    def record_inbound_referral(
        self, server: str, task_id: str, case_id: str, status: str, version: str | None
    ) -> None:
        """A claimed Task (first call) or the answer written to it (later calls)."""
        now = self._now()
        with self._write("record_inbound_referral") as conn:
            known = conn.execute(
                update(inbound_referrals)
                .where(
                    inbound_referrals.c.server_url == server,
                    inbound_referrals.c.task_id == task_id,
                )
                .values(status=status, task_version=version, updated_at=now)
            ).rowcount
            if not known:
                conn.execute(
                    inbound_referrals.insert().values(
                        server_url=server,
                        task_id=task_id,
                        case_id=case_id,
                        status=status,
                        task_version=version,
                        claimed_at=now,
                        updated_at=now,
                    )
                )


@dataclass(frozen=True, slots=True)
class OutboundAbort:
    server_url: str
    abort_id: str
    task_id: str
    case_id: str
    record_id: str
    status: str
    created_at: datetime
    updated_at: datetime


class OutboundAborts(LedgerBase):
    """(server, abort Task id) -> the referral Task it asks to cancel and the answer so far."""

    def outbound_aborts(self, server: str, *, task_id: str | None = None) -> list[OutboundAbort]:
        """The aborts sent to ``server`` (for one referral Task), oldest first."""
        query = select(outbound_aborts).where(outbound_aborts.c.server_url == server)
        if task_id is not None:
            query = query.where(outbound_aborts.c.task_id == task_id)
        with self._read("outbound_aborts") as conn:
            rows = conn.execute(query.order_by(outbound_aborts.c.created_at)).all()
        return [OutboundAbort(*row) for row in rows]

    def record_outbound_abort(
        self, server: str, abort_id: str, *, task_id: str, case_id: str, record_id: str
    ) -> None:
        """An abort Task just written (``requested``); writing it again changes nothing."""
        if any(a.abort_id == abort_id for a in self.outbound_aborts(server, task_id=task_id)):
            return
        now = self._now()
        with self._write("record_outbound_abort") as conn:
            conn.execute(
                outbound_aborts.insert().values(
                    server_url=server,
                    abort_id=abort_id,
                    task_id=task_id,
                    case_id=case_id,
                    record_id=record_id,
                    status="requested",
                    created_at=now,
                    updated_at=now,
                )
            )

    def settle_outbound_abort(self, server: str, abort_id: str, status: str) -> None:
        """The performer's answer to an abort (completed, rejected ...)."""
        with self._write("settle_outbound_abort") as conn:
            conn.execute(
                update(outbound_aborts)
                .where(
                    outbound_aborts.c.server_url == server,
                    outbound_aborts.c.abort_id == abort_id,
                )
                .values(status=status, updated_at=self._now())
            )

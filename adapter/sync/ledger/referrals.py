"""Inbound referrals: the Tasks addressed to this case-management organization that opened a
case, per server, and the last answer the adapter wrote to each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from adapter.sync.ledger.base import LedgerBase
from adapter.sync.ledger.schema import inbound_referrals

__all__ = ["InboundReferral", "InboundReferrals"]


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

"""Outbound referral Tasks kept on the performer's server (``ADAPTER_REFERRAL_TASK_SERVER``):
per Task server and case task, what that server confirmed (the Task's id, version, status and
the hash of the body it holds as ours), or why the last write failed. Keyed by the Task
server's URL, so these rows never mix with the case server's entries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select, update

from adapter.sync.ledger.base import LedgerBase
from adapter.sync.ledger.schema import referral_tasks

__all__ = ["ReferralTask", "ReferralTasks"]


@dataclass(frozen=True, slots=True)
class ReferralTask:
    server_url: str
    case_id: str
    record_id: str
    task_id: str | None
    version: str | None
    content_hash: str | None
    status: str | None
    pending: str | None
    updated_at: datetime


class ReferralTasks(LedgerBase):
    """(Task server, case, task) -> the referral Task written there."""

    def referral_tasks(self, server: str, case_id: str | None = None) -> list[ReferralTask]:
        """The referral Tasks of ``server`` (of one case), by case and task."""
        query = select(referral_tasks).where(referral_tasks.c.server_url == server)
        if case_id is not None:
            query = query.where(referral_tasks.c.case_id == case_id)
        order = (referral_tasks.c.case_id, referral_tasks.c.record_id)
        with self._read("referral_tasks") as conn:
            rows = conn.execute(query.order_by(*order)).all()
        return [ReferralTask(*row) for row in rows]

    def record_referral_task(
        self,
        server: str,
        case_id: str,
        record_id: str,
        *,
        task_id: str,
        version: str,
        content_hash: str,
        status: str,
    ) -> None:
        """What the Task server confirmed (a write's answer, or a read a pull applied)."""
        self._upsert(
            server,
            case_id,
            record_id,
            task_id=task_id,
            version=version,
            content_hash=content_hash,
            status=status,
            pending=None,
        )

    def referral_task_pending(self, server: str, case_id: str, record_id: str, reason: str) -> None:
        """A write that failed (no patient data in ``reason``): the next push tries again."""
        self._upsert(server, case_id, record_id, pending=reason)

    def _upsert(self, server: str, case_id: str, record_id: str, **values: str | None) -> None:
        where = and_(
            referral_tasks.c.server_url == server,
            referral_tasks.c.case_id == case_id,
            referral_tasks.c.record_id == record_id,
        )
        values_at = {**values, "updated_at": self._now()}
        with self._write("record_referral_task") as conn:
            if not conn.execute(update(referral_tasks).where(where).values(values_at)).rowcount:
                row = {"server_url": server, "case_id": case_id, "record_id": record_id}
                conn.execute(referral_tasks.insert().values(row | values_at))

"""Runs: a push, pull or import from start to finish, who owns it, and runs left behind."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select, update

from adapter.errors import LedgerError
from adapter.sync.ledger.base import LedgerBase
from adapter.sync.ledger.owner import DEFAULT_STALE_AFTER, owner_gone, this_process
from adapter.sync.ledger.records import (
    Run,
    from_row,
)
from adapter.sync.ledger.schema import (
    RunKind,
    RunStatus,
    runs,
)

__all__ = ["Runs"]


class Runs(LedgerBase):
    """A run's life: started, heartbeat, finished, or found interrupted."""

    def start_run(self, kind: RunKind, server: str, *, cases_total: int | None = None) -> Run:
        """Begin a run; runs whose process has died are marked interrupted first."""
        self.mark_interrupted_runs()
        now, me = self._now(), this_process()
        values = {
            "kind": kind,
            "server_url": server,
            "status": RunStatus.RUNNING,
            "started_at": now,
            "heartbeat_at": now,
            "host": me.host,
            "pid": me.pid,
            "process_token": me.process_token,
            "cases_total": cases_total,
            "cases_ok": 0,
            "cases_failed": 0,
            "resources_written": 0,
            "resources_unchanged": 0,
        }
        with self._write("start_run") as conn:
            row = conn.execute(insert(runs).values(values).returning(*runs.c)).one()
        return from_row(Run, row)

    def finish_run(
        self,
        run_id: int,
        status: RunStatus = RunStatus.COMPLETED,
        *,
        summary: Mapping[str, Any] | None = None,
    ) -> Run:
        """Close a run with its final status (``completed`` or ``failed``) and a summary."""
        now = self._now()
        values: dict[str, Any] = {"status": status, "finished_at": now, "heartbeat_at": now}
        if summary is not None:
            values["summary"] = dict(summary)
        with self._write("finish_run") as conn:
            row = conn.execute(
                update(runs).where(runs.c.id == run_id).values(values).returning(*runs.c)
            ).one_or_none()
        if row is None:
            raise LedgerError(
                f"no run {run_id} in the ledger", url=self.url, operation="finish_run"
            )
        return from_row(Run, row)

    def heartbeat(self, run_id: int) -> None:
        """Say the run is alive; ``record_*`` do this too, call it while waiting for long."""
        with self._write("heartbeat") as conn:
            conn.execute(update(runs).where(runs.c.id == run_id).values(heartbeat_at=self._now()))

    def mark_interrupted_runs(self, *, stale_after: timedelta = DEFAULT_STALE_AFTER) -> list[int]:
        """Mark ``interrupted`` the running runs whose process is gone; return their ids."""
        now, me = self._now(), this_process()
        with self._write("mark_interrupted_runs") as conn:
            rows = conn.execute(select(runs).where(runs.c.status == RunStatus.RUNNING)).all()
            gone = [
                row.id
                for row in rows
                if owner_gone(from_row(Run, row), now=now, stale_after=stale_after, me=me)
            ]
            if gone:
                conn.execute(
                    update(runs)
                    .where(runs.c.id.in_(gone))
                    .values(status=RunStatus.INTERRUPTED, finished_at=now)
                )
        return gone

    def run(self, run_id: int) -> Run | None:
        with self._read("run") as conn:
            row = conn.execute(select(runs).where(runs.c.id == run_id)).one_or_none()
        return None if row is None else from_row(Run, row)

    def runs(self, limit: int = 20, *, server: str | None = None) -> list[Run]:
        """The latest runs, newest first."""
        query = select(runs).order_by(runs.c.id.desc()).limit(limit)
        if server is not None:
            query = query.where(runs.c.server_url == server)
        with self._read("runs") as conn:
            return [from_row(Run, row) for row in conn.execute(query)]

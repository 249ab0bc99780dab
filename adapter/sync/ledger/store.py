"""The sync ledger: what was sent to which FHIR server, what failed, and how far pulls have read.

It knows nothing of HTTP or of the mapping: the sync engine tells it what happened. Each
``record_*`` call is one short transaction, so the ledger never holds a lock while the engine
waits on the network, and a killed process leaves the ledger consistent up to its last case.

The API is synchronous on purpose: every call is a single transaction of a few milliseconds on
a local file, SQLite drivers are synchronous underneath anyway (aiosqlite runs them in a
thread), and Alembic and the CLI are synchronous too. Async callers may call it directly, or
through ``asyncio.to_thread`` when other processes keep the file busy; a Ledger is thread-safe.

Messages given to the ledger must be free of patient data (they are shown by ``adapter
explain`` and kept indefinitely): pass an error class, a server code and a sentence, never a
resource or a name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Self

from sqlalchemy import insert, select, update

from adapter.errors import LedgerError
from adapter.sync.ledger import migrate as ledger_migrations
from adapter.sync.ledger.base import utcnow
from adapter.sync.ledger.cases import StoredCase, store_snapshot
from adapter.sync.ledger.engine import DEFAULT_BUSY_TIMEOUT, create_ledger_engine
from adapter.sync.ledger.owner import DEFAULT_STALE_AFTER, owner_gone, this_process
from adapter.sync.ledger.push_cases import PushContext, PushStore, known_entries
from adapter.sync.ledger.records import (
    Attempt,
    Conflict,
    DeadLetter,
    Entry,
    LedgerCounts,
    NewConflict,
    ResourceKey,
    Run,
    SyncedResource,
    from_row,
)
from adapter.sync.ledger.schema import (
    AttemptOutcome,
    ReasonCode,
    RunKind,
    RunStatus,
    attempts,
    runs,
)
from adapter.sync.ledger.writes import CaseWriter, describe

# The ledger's whole vocabulary, importable from this one module.
__all__ = [
    "Attempt",
    "AttemptOutcome",
    "Conflict",
    "DeadLetter",
    "Entry",
    "Ledger",
    "LedgerCounts",
    "NewConflict",
    "PushContext",
    "ReasonCode",
    "ResourceKey",
    "Run",
    "RunKind",
    "RunStatus",
    "StoredCase",
    "SyncedResource",
]


class Ledger(PushStore):
    """One ledger database. Open with :meth:`open`; close with :meth:`close` or ``with``."""

    @classmethod
    def open(
        cls,
        url: str,
        *,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        clock: Callable[[], datetime] = utcnow,
    ) -> Self:
        """Open (creating and migrating to the current schema if needed) the ledger at ``url``."""
        engine = create_ledger_engine(url, busy_timeout=busy_timeout)
        try:
            ledger_migrations.upgrade(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, clock=clock)

    # -- runs ---------------------------------------------------------------------------------

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

    # -- per-case results ---------------------------------------------------------------------

    def known(self, server: str, resources: Iterable[tuple[str, str]]) -> dict[ResourceKey, Entry]:
        """The entries of ``resources`` ((type, id) pairs) on ``server``; unknown ones absent."""
        with self._read("known") as conn:
            return known_entries(conn, server, resources)

    def record_success(
        self,
        run_id: int,
        server: str,
        case_id: str,
        results: Sequence[SyncedResource],
        *,
        snapshot: Mapping[str, Any] | None = None,
        mapping: str | None = None,
    ) -> None:
        """One case landed: its entries, an attempt row, the run's counts, its dead letter resolved.

        Call once per case per run, with every resource of the case (unchanged ones included,
        ``changed=False``), in one transaction. ``snapshot`` is the case document just pushed
        in full (the base of later three-way merges), stored in the same transaction, with the
        ``mapping`` fingerprint it was mapped with (None: the next push plans it again).
        """
        written = sum(1 for result in results if result.changed)
        with self._write("record_success") as conn:
            case = CaseWriter(conn, run_id, server, case_id, self._now())
            case.store_entries(results)
            case.add_attempt(
                AttemptOutcome.WRITTEN if written else AttemptOutcome.UNCHANGED,
                resources=[describe(result) for result in results],
            )
            case.close_dead_letter()
            if snapshot is not None:
                store_snapshot(
                    conn,
                    server,
                    case_id,
                    snapshot,
                    run_id=run_id,
                    now=case.now,
                    mapping=mapping,
                    resources=len(results) if mapping is not None else None,
                )
            case.count(
                cases_ok=1,
                resources_written=written,
                resources_unchanged=len(results) - written,
            )

    def record_failure(
        self,
        run_id: int,
        server: str,
        case_id: str,
        *,
        reason: ReasonCode,
        error_class: str,
        message: str,
        outcome: Mapping[str, Any] | None = None,
        status: int | None = None,
        server_code: str | None = None,
        resources: Iterable[tuple[str, str]] = (),
    ) -> DeadLetter:
        """One case failed for good in this run: an attempt row and its open dead letter.

        The case's open dead letter is created, or updated with this failure and its
        ``attempts`` incremented. ``message`` must not contain patient data. ``resources``
        ((type, id) pairs) get their failure count and error class recorded on their entries.
        """
        failure = {
            "error_class": error_class,
            "message": message,
            "operation_outcome": dict(outcome) if outcome is not None else None,
            "http_status": status,
            "server_code": server_code,
        }
        kind = AttemptOutcome.CONFLICT if reason is ReasonCode.CONFLICT else AttemptOutcome.FAILED
        with self._write("record_failure") as conn:
            case = CaseWriter(conn, run_id, server, case_id, self._now())
            case.add_attempt(kind, **failure)
            letter = case.open_dead_letter(reason, failure)
            case.mark_failing(resources, error_class)
            case.count(cases_failed=1)
        return letter

    def attempts_for_case(self, case_id: str, *, server: str | None = None) -> list[Attempt]:
        """Every attempt at one case, oldest first (what ``adapter explain`` shows)."""
        query = select(attempts).where(attempts.c.case_id == case_id)
        if server is not None:
            query = query.where(attempts.c.server_url == server)
        with self._read("attempts_for_case") as conn:
            rows = conn.execute(query.order_by(attempts.c.at, attempts.c.id))
            return [from_row(Attempt, row) for row in rows]

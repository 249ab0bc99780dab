"""Several cases' successes in one transaction: what ``record_success`` writes for one case,
for a batch of cases, each statement executed once for all of them.

A push records a case only after the server committed its transaction; grouping the records of
several such cases changes when they reach the ledger, never what they say. What the server
committed but the ledger does not yet hold (the process dies before the batch is written) is
sent again by the next push, as after a crash between a commit and its record: HAPI stores an
identical PUT as no change (:mod:`adapter.sync.push.landed`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from adapter.sync.ledger.base import LedgerBase
from adapter.sync.ledger.records import SyncedResource
from adapter.sync.ledger.schema import AttemptOutcome
from adapter.sync.ledger.statements import (
    ADD_ATTEMPT,
    CLOSE_DEAD_LETTER,
    COUNT_RUN,
    snapshot_upsert,
)
from adapter.sync.ledger.writes import describe, store_entries

__all__ = ["Landed", "Success"]


@dataclass(frozen=True, slots=True)
class Success:
    """One case whose resources all landed: what :meth:`Results.record_success` takes, without
    the rarer parts (a merged case to store, conflicts to resolve), which it records alone."""

    case_id: str
    results: Sequence[SyncedResource]
    snapshot: Mapping[str, Any] | None = None
    mapping: str | None = None


class Landed(LedgerBase):
    """The batched form of ``record_success``."""

    def record_successes(self, run_id: int, server: str, successes: Sequence[Success]) -> None:
        """Each of ``successes`` as ``record_success`` records it (entries, an attempt row,
        its dead letter closed, its snapshot, the run's counts), all in one transaction."""
        if not successes:
            return
        now = self._now()
        written = [sum(1 for r in success.results if r.changed) for success in successes]
        attempts = [
            {
                "run_id": run_id,
                "server_url": server,
                "case_id": success.case_id,
                "at": now,
                "outcome": AttemptOutcome.WRITTEN if count else AttemptOutcome.UNCHANGED,
                "resources": [describe(result) for result in success.results],
            }
            for success, count in zip(successes, written, strict=True)
        ]
        letters = [
            {"p_server": server, "p_case": s.case_id, "p_run": run_id, "p_now": now}
            for s in successes
        ]
        snapshots = [
            {
                "server_url": server,
                "case_id": success.case_id,
                "document": dict(success.snapshot),
                "run_id": run_id,
                "pushed_at": now,
                "mapping": success.mapping,
                "resources": len(success.results) if success.mapping is not None else None,
            }
            for success in successes
            if success.snapshot is not None
        ]
        total = sum(len(success.results) for success in successes)
        with self._write("record_successes") as conn:
            results = [(s.case_id, r) for s in successes for r in s.results]
            store_entries(conn, run_id, server, now, results)
            conn.execute(ADD_ATTEMPT, attempts)
            conn.execute(CLOSE_DEAD_LETTER, letters)
            if snapshots:
                conn.execute(snapshot_upsert(conn.dialect.name), snapshots)
            conn.execute(
                COUNT_RUN,
                {
                    "p_run": run_id,
                    "p_now": now,
                    "p_cases_ok": len(successes),
                    "p_cases_failed": 0,
                    "p_resources_written": sum(written),
                    "p_resources_unchanged": total - sum(written),
                },
            )

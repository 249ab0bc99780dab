"""Cases the server committed, recorded in the ledger several at a time.

Each case's record was a write transaction of its own (six statements, a commit); in W1 that
was the largest part of the push's local CPU (``docs/bench.md``). A batch holds the records
of cases whose transaction the server answered and checked, and writes them in one transaction
(:meth:`adapter.sync.ledger.Ledger.record_successes`) when it holds :data:`BATCH` cases, every
:data:`DELAY` seconds while the run goes on, and before the run ends. Nothing is recorded
before the server confirmed it; what is held only delays the record.

What the ledger is asked before a held record is written would not see it, so the batch is
written first whenever a case's own record is held (a case sent again in the same run, a
failure to record) or a case touches a resource a held record names (:meth:`settle`). A run
killed with records held leaves those cases as a crash between commit and record does: the
next push sends them again and HAPI stores an identical PUT as no change.

Every method but :meth:`flush` and :meth:`keep_flushing` runs on the run's ledger thread, where
all the batch's state lives (one thread: no lock). With leases (several workers on one ledger)
each case is recorded at once: another worker may take the case up as soon as its lease is
given back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from adapter.errors import LedgerError
from adapter.sync.ledger import Ledger
from adapter.sync.ledger.landed import Success
from adapter.sync.ledger.thread import LedgerThread

__all__ = ["BATCH", "DELAY", "LandedBatch"]

log = logging.getLogger("adapter.sync.push")

BATCH = 50  # cases per ledger transaction
DELAY = 0.5  # seconds a record may wait for its batch


class LandedBatch:
    """Successes of one run on one server, waiting to be written together."""

    def __init__(self, ledger: Ledger, run_id: int, server: str, call: LedgerThread) -> None:
        self._ledger = ledger
        self._call = call
        self._run_id = run_id
        self._server = server
        self.size = BATCH  # 1: every case recorded at once (leases)
        self._pending: list[Success] = []
        self._cases: set[str] = set()
        self._keys: set[tuple[str, str]] = set()
        self.problems: list[str] = []

    def add(self, success: Success) -> None:
        """On the ledger thread: ``success`` is to be recorded (at once when ``size`` is 1: a
        LedgerError then fails this case, as before batches)."""
        if self.size <= 1:
            self._ledger.record_successes(self._run_id, self._server, [success])
            return
        self._pending.append(success)
        self._cases.add(success.case_id)
        self._keys.update((r.resource_type, r.resource_id) for r in success.results)
        if len(self._pending) >= self.size:
            self.write()

    def settle(self, case_id: str, keys: Iterable[tuple[str, str]] = ()) -> None:
        """On the ledger thread, before the ledger is asked about ``case_id`` or ``keys``:
        the held records are written first when one of them concerns either."""
        if not self._pending:
            return
        if case_id in self._cases or any(tuple(key) in self._keys for key in keys):
            self.write()

    def write(self) -> None:
        """On the ledger thread: write what is held, in one transaction. Should that fail,
        case by case; a case whose record still fails is logged and named in ``problems``
        (its resources are on the server: the next push sends them again, unchanged)."""
        pending, self._pending = self._pending, []
        self._cases, self._keys = set(), set()
        if not pending:
            return
        try:
            self._ledger.record_successes(self._run_id, self._server, pending)
        except LedgerError:
            for success in pending:
                try:
                    self._ledger.record_successes(self._run_id, self._server, [success])
                except LedgerError as exc:
                    log.error("case %s landed but was not recorded: %s", success.case_id, exc)
                    self.problems.append(f"case {success.case_id} not recorded: {exc}")

    async def flush(self) -> None:
        """Write what is held (also when the run ends or fails)."""
        await self._call(self.write)

    async def keep_flushing(self, delay: float = DELAY) -> None:
        """Until cancelled: write what is held every ``delay`` seconds."""
        while True:
            await asyncio.sleep(delay)
            if self._pending:
                await self.flush()

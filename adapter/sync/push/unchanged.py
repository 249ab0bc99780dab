"""Cases a push found unchanged without mapping them, recorded in the ledger in batches.

A no-op re-sync of 50,000 cases would otherwise be 50,000 write transactions that each say
"nothing happened". Batches keep ``adapter explain`` and the run's counters exact, at one
transaction per :data:`BATCH` cases. A run killed before a flush loses only those rows:
nothing was sent for those cases, so there is nothing to reconcile.
"""

from __future__ import annotations

from adapter.sync.ledger import Ledger
from adapter.sync.ledger.thread import LedgerThread

__all__ = ["BATCH", "UnchangedBatch"]

BATCH = 100


class UnchangedBatch:
    """Collects unchanged cases (id, resources, where read from if that moved) for one run
    on one server."""

    def __init__(
        self,
        ledger: Ledger,
        run_id: int,
        server: str,
        call: LedgerThread,
        size: int = BATCH,
    ) -> None:
        self._ledger = ledger
        self._call = call
        self._run_id = run_id
        self._server = server
        self._size = size
        self._pending: list[tuple[str, int, str | None]] = []

    async def add(self, case_id: str, resources: int, moved_to: str | None = None) -> None:
        """``moved_to``: the case's new source, when it was read from somewhere else."""
        self._pending.append((case_id, resources, moved_to))
        if len(self._pending) >= self._size:
            await self.flush()

    async def flush(self) -> None:
        """Write what is pending (also when the run ends or fails)."""
        pending, self._pending = self._pending, []
        if pending:
            await self._call(self._ledger.record_unchanged, self._run_id, self._server, pending)

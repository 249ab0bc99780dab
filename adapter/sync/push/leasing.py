"""Several push workers on one ledger: each case pushed by the worker holding its lease.

Workers (CLI ``adapter push`` processes, service replicas) given the same or overlapping cases
share them instead of racing: before a case that needs sending, the worker takes the case's
lease (:mod:`adapter.sync.ledger.leases`); a case another worker holds is set aside, and once
the worker's own stream is done it comes back to the set-aside cases until each has been taken
(by then they are usually pushed already, which costs one ledger read: unchanged) or has been
held by live, renewing workers for ``2 x lease`` without a break (then it is reported ``held``:
that worker's run reports it). A killed worker's leases expire after ``ADAPTER_LEASE_SECONDS``
and the waiting workers take its cases over. A worker renews its leases every third of the
lease length while it works and gives them back when each case is done.

A case unchanged since its last full push is skipped before any lease is asked for, so a no-op
run costs no lease writes. On by default where the ledger is PostgreSQL
(``ADAPTER_CASE_LEASES=auto``); a SQLite ledger is one host's file, where runs need no leases
(``on`` uses them there too).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal, TypeVar

from adapter.errors import LedgerError
from adapter.sync.ledger import Ledger
from adapter.sync.ledger.owner import this_process
from adapter.sync.ledger.thread import LedgerThread
from adapter.sync.push.outcomes import CaseOutcome, CaseStatus
from adapter.sync.push.queue import work_through

__all__ = ["CaseLeases", "LeaseMode", "leases_for", "push_in_turns"]

log = logging.getLogger("adapter.sync.push")

LeaseMode = Literal["auto", "on", "off"]
CaseInputT = TypeVar("CaseInputT")


@dataclass
class CaseLeases:
    """One push run's leases: the cases it holds on ``server``, under a holder name unique to
    the run (host, pid, process token, run id)."""

    ledger: Ledger
    server: str
    holder: str
    seconds: float
    held: set[str] = field(default_factory=set)
    set_aside: set[str] = field(default_factory=set)  # case ids waiting for another's lease

    def take(self, case_id: str) -> bool:
        """On the ledger thread: take ``case_id``'s lease (True) or find it held (False)."""
        if self.ledger.acquire_lease(self.server, case_id, self.holder, self.seconds):
            self.held.add(case_id)
            return True
        return False

    def give_back(self, case_id: str) -> None:
        if case_id in self.held:
            self.held.discard(case_id)
            self.ledger.release_lease(self.server, case_id, self.holder)

    @contextlib.asynccontextmanager
    async def kept(self, call: LedgerThread) -> AsyncIterator[None]:
        """Renew the held leases every third of their length while the block runs; give all
        back at its end."""
        renewing = asyncio.create_task(self._renew(call), name="adapter-lease-renewal")
        try:
            yield
        finally:
            renewing.cancel()
            await asyncio.gather(renewing, return_exceptions=True)
            self.held.clear()
            with contextlib.suppress(LedgerError):  # they expire on their own anyway
                await call(self.ledger.release_leases, self.holder)

    async def _renew(self, call: LedgerThread) -> None:
        while True:
            await asyncio.sleep(self.seconds / 3)
            holding = set(self.held)
            try:
                kept = await call(
                    self.ledger.renew_leases, self.server, self.holder, holding, self.seconds
                )
            except LedgerError as exc:  # the next round tries again
                log.warning("renewing case leases failed: %s", exc)
                continue
            for case_id in sorted((holding - kept) & self.held):
                log.warning("case %s: the lease expired and another worker took it", case_id)


def leases_for(
    mode: LeaseMode, ledger: Ledger, server: str, run_id: int, seconds: float
) -> CaseLeases | None:
    """The run's leases, or None when this ledger runs without them."""
    if mode == "off" or (mode == "auto" and not ledger.shared):
        return None
    me = this_process()
    holder = f"{me.host[:64]}:{me.pid}:{me.process_token[:8]}:{run_id}"
    return CaseLeases(ledger, server, holder, seconds)


async def push_in_turns(
    items: Iterable[CaseInputT],
    *,
    key: Callable[[CaseInputT], str],
    work: Callable[[CaseInputT], Awaitable[CaseOutcome]],
    concurrency: int,
    leases: CaseLeases | None,
) -> list[CaseOutcome]:
    """``work`` over ``items`` as :func:`work_through` does; with leases, the cases another
    worker held come back until taken, or reported ``held`` after ``2 x lease`` without one
    of them coming free."""
    if leases is None:
        return await work_through(items, key=key, work=work, concurrency=concurrency)
    waiting: list[CaseInputT] = []

    async def turn(item: CaseInputT) -> CaseOutcome:
        name = key(item)
        # A later version of a set-aside case waits behind it, in input order.
        outcome = CaseOutcome(name, CaseStatus.HELD) if name in leases.set_aside else None
        if outcome is None:
            outcome = await work(item)
        if outcome.status is CaseStatus.HELD:
            leases.set_aside.add(name)
            waiting.append(item)
        return outcome

    done = await work_through(items, key=key, work=turn, concurrency=concurrency)
    outcomes = [outcome for outcome in done if outcome.status is not CaseStatus.HELD]
    pause, patience = min(1.0, leases.seconds / 4), 2 * leases.seconds
    last_progress = time.monotonic()
    while waiting:
        await asyncio.sleep(pause)
        batch = sorted(waiting, key=key)  # the same order in every worker: fewer collisions
        waiting.clear()
        leases.set_aside.clear()
        done = await work_through(batch, key=key, work=turn, concurrency=concurrency)
        outcomes += [outcome for outcome in done if outcome.status is not CaseStatus.HELD]
        if len(waiting) < len(batch):
            last_progress = time.monotonic()
        elif time.monotonic() - last_progress > patience:
            outcomes += [CaseOutcome(key(item), CaseStatus.HELD) for item in waiting]
            log.warning(
                "%d cases stayed held by other workers; their runs report them", len(waiting)
            )
            break
    return outcomes

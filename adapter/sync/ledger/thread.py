"""One thread for a run's ledger calls, so that cases queue for the ledger instead of inside
SQLite's busy handler.

SQLite lets one writer in at a time; a second one retries after sleeping 1, 2, 5, 10, ... up to
100 ms, so with cases recording from several pool threads a case could wait far longer than
the write ahead of it took (the W1 profile showed 7 % of the client's samples in ``BEGIN
IMMEDIATE``). On one thread the calls run back to back in arrival order. The ledger's own work
is a few milliseconds per case, so the thread is far from busy; PostgreSQL ledgers lose
nothing by it either (the GIL serialised those calls anyway).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, Self, TypeVar

__all__ = ["LedgerThread"]

P = ParamSpec("P")
T = TypeVar("T")


class LedgerThread:
    """``await thread(fn, *args, **kwargs)`` runs ``fn`` on the run's ledger thread."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="adapter-ledger")

    async def __call__(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(fn, *args, **kwargs))

    def close(self) -> None:
        """Wait for calls still running (a cancelled caller does not stop its call)."""
        self._pool.shutdown(wait=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

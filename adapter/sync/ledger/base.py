"""The ledger's plumbing: the engine, the clock, read and write transactions.

Every part of :class:`adapter.sync.ledger.Ledger` builds on :class:`LedgerBase`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Self

from sqlalchemy import Connection, Engine

from adapter.errors import LedgerError
from adapter.sync.ledger.engine import (
    masked,
    transaction,
)

__all__ = ["LedgerBase", "utcnow"]


def utcnow() -> datetime:
    return datetime.now(UTC)


class LedgerBase:
    """The engine and clock every part shares."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._engine = engine
        self._clock = clock

    @property
    def url(self) -> str:
        """The database URL, password masked."""
        return masked(self._engine.url)

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _now(self) -> datetime:
        return self._clock().astimezone(UTC)

    @contextmanager
    def _read(self, operation: str) -> Iterator[Connection]:
        with transaction(self._engine, write=False, operation=operation) as conn:
            yield conn

    @contextmanager
    def _write(self, operation: str) -> Iterator[Connection]:
        with transaction(self._engine, write=True, operation=operation) as conn:
            yield conn

    def _missing(self, noun: str, ident: int, operation: str) -> LedgerError:
        return LedgerError(f"no {noun} {ident} in the ledger", url=self.url, operation=operation)

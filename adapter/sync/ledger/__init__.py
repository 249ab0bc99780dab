"""The ledger room: what was sent where, runs, stored cases, dead letters, conflicts, watermarks.

Doors:
- ``Ledger`` (``store.py``): open one with ``Ledger.open(url)``; everything else goes through it.
- ``engine.py``: SQLite/PostgreSQL engines; ``schema.py``: the tables; ``records.py``: the rows
  as dataclasses; ``statements.py`` / ``writes.py``: the SQL; ``migrate.py`` + ``migrations/``:
  Alembic; ``owner.py``: who owns a run; ``thread.py``: the one thread a run's ledger calls use.
"""

from adapter.sync.ledger.cases import OpenDispute, PushContext, StoredCase
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
)
from adapter.sync.ledger.schema import AttemptOutcome, ReasonCode, RunKind, RunStatus
from adapter.sync.ledger.store import Ledger

# The ledger's whole vocabulary, importable from the package.
__all__ = [
    "Attempt",
    "AttemptOutcome",
    "Conflict",
    "DeadLetter",
    "Entry",
    "Ledger",
    "LedgerCounts",
    "NewConflict",
    "OpenDispute",
    "PushContext",
    "ReasonCode",
    "ResourceKey",
    "Run",
    "RunKind",
    "RunStatus",
    "StoredCase",
    "SyncedResource",
]

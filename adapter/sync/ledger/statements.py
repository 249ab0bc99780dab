"""The statements of the push hot path, built once per dialect and reused.

Building a SQLAlchemy statement (``insert(...).values(...)``, ``update(...).where(...)``) costs
more CPU than SQLite takes to run it: a case's three ledger calls spent about 3.5 of their
4.8 ms constructing statements and their cache keys. These are built once, with bound
parameters (named ``p_*``: SQLAlchemy reserves column names for the VALUES and SET clauses),
and executed with plain dictionaries.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Insert, Select, Update, bindparam, func, insert, or_, select, update

from adapter.sync.ledger.engine import insert_for
from adapter.sync.ledger.schema import (
    attempts,
    case_snapshots,
    cases,
    conflicts,
    dead_letters,
    entries,
    runs,
)

__all__ = [
    "ADD_ATTEMPT",
    "CASE_ROW",
    "CLOSE_DEAD_LETTER",
    "COUNT_RUN",
    "DEAD_LETTER_OPEN",
    "DISPUTES_OPEN",
    "ENTRIES",
    "ENTRY_VERSIONS_OF_RUN",
    "MOVE_CASE",
    "SNAPSHOT_ROW",
    "case_upsert",
    "entries_upsert",
    "snapshot_upsert",
]

_ENTRY_KEY = [entries.c.server_url, entries.c.resource_type, entries.c.resource_id]


# The entries of some (type, id) pairs (parameters p_server, p_types, p_ids: see
# ledger_writes.entry_params). Two plain expanding INs, not a row-value IN: SQLite answers
# ``(type, id) IN (...)`` by scanning every entry of the server (13 ms per case at 16k entries,
# growing with the ledger, so a push became quadratic), but probes the unique index for
# ``type IN`` and ``id IN`` (0.4 ms). They may also match pairs of the cross product nobody
# asked for: filter the rows.
_ENTRIES_WHERE = (
    entries.c.server_url == bindparam("p_server"),
    entries.c.resource_type.in_(bindparam("p_types", expanding=True)),
    entries.c.resource_id.in_(bindparam("p_ids", expanding=True)),
)
ENTRIES: Select[Any] = select(entries).where(*_ENTRIES_WHERE)
# Entries recorded by this run, or by another run since this one started: a concurrent run
# (another process on the same ledger) whose write may have landed after ours on the server
# but been recorded before ours. A lower version recorded before this run began is what a
# server restored from a backup shows, and is kept as the truth.
_RUN_STARTED = select(runs.c.started_at).where(runs.c.id == bindparam("p_run")).scalar_subquery()
ENTRY_VERSIONS_OF_RUN: Select[Any] = select(
    entries.c.resource_type, entries.c.resource_id, entries.c.version_id
).where(
    *_ENTRIES_WHERE,
    or_(entries.c.last_run_id == bindparam("p_run"), entries.c.last_synced_at > _RUN_STARTED),
)

CASE_ROW: Select[Any] = select(cases).where(cases.c.case_id == bindparam("p_case"))
SNAPSHOT_ROW: Select[Any] = select(
    case_snapshots.c.document, case_snapshots.c.mapping, case_snapshots.c.resources
).where(
    case_snapshots.c.server_url == bindparam("p_server"),
    case_snapshots.c.case_id == bindparam("p_case"),
)
DEAD_LETTER_OPEN: Select[Any] = select(dead_letters.c.id).where(
    dead_letters.c.server_url == bindparam("p_server"),
    dead_letters.c.case_id == bindparam("p_case"),
    dead_letters.c.resolved_at.is_(None),
)

# A pull's conflicts carry detail {"kind": ...}; a push's merges carry their paths instead.
DISPUTES_OPEN: Select[Any] = select(
    conflicts.c.id, conflicts.c.resource_type, conflicts.c.resource_id, conflicts.c.fields,
    conflicts.c.detail, conflicts.c.resolution, conflicts.c.resolved_at,
).where(
    conflicts.c.server_url == bindparam("p_server"),
    conflicts.c.case_id == bindparam("p_case"),
    or_(conflicts.c.resolved_at.is_(None), conflicts.c.resolution == "local-pending"),
)  # fmt: skip

ADD_ATTEMPT: Insert = insert(attempts)
CLOSE_DEAD_LETTER: Update = (
    update(dead_letters)
    .where(
        dead_letters.c.server_url == bindparam("p_server"),
        dead_letters.c.case_id == bindparam("p_case"),
        dead_letters.c.resolved_at.is_(None),
    )
    .values(resolved_at=bindparam("p_now"), resolution="succeeded", last_run_id=bindparam("p_run"))
)
#: A case read from another file this time (parameters p_case, p_source, p_now).
MOVE_CASE: Update = (
    update(cases)
    .where(cases.c.case_id == bindparam("p_case"))
    .values(source=bindparam("p_source"), updated_at=bindparam("p_now"))
)
#: Parameters p_run, p_now and one increment per counter (0 when unchanged).
COUNT_RUN: Update = (
    update(runs)
    .where(runs.c.id == bindparam("p_run"))
    .values(
        heartbeat_at=bindparam("p_now"),
        cases_ok=runs.c.cases_ok + bindparam("p_cases_ok"),
        cases_failed=runs.c.cases_failed + bindparam("p_cases_failed"),
        resources_written=runs.c.resources_written + bindparam("p_resources_written"),
        resources_unchanged=runs.c.resources_unchanged + bindparam("p_resources_unchanged"),
    )
)


@cache
def entries_upsert(dialect: str) -> Insert:
    """Store what the server holds of a resource; a success clears its failure count."""
    stmt = insert_for(dialect, entries)
    upserted: Insert = stmt.on_conflict_do_update(
        index_elements=_ENTRY_KEY,
        set_={
            "case_id": stmt.excluded.case_id,
            "internal_key": func.coalesce(stmt.excluded.internal_key, entries.c.internal_key),
            "version_id": stmt.excluded.version_id,
            "content_hash": stmt.excluded.content_hash,
            "last_synced_at": stmt.excluded.last_synced_at,
            "attempts": 0,
            "last_error_class": None,
            "last_error_at": None,
            "last_run_id": stmt.excluded.last_run_id,
        },
    )
    return upserted


@cache
def case_upsert(dialect: str, with_document: bool, with_sent: bool = False) -> Insert:
    """The case store row; without a document only where it came from changes, without
    ``sent`` what the case-management system last sent stays."""
    stmt = insert_for(dialect, cases)
    changes: dict[str, Any] = {
        "source": stmt.excluded.source,
        "updated_at": stmt.excluded.updated_at,
    }
    if with_document:
        changes["document"] = stmt.excluded.document
    if with_sent:
        changes["sent"] = stmt.excluded.sent
    upserted: Insert = stmt.on_conflict_do_update(index_elements=[cases.c.case_id], set_=changes)
    return upserted


@cache
def snapshot_upsert(dialect: str) -> Insert:
    stmt = insert_for(dialect, case_snapshots)
    kept = ("document", "run_id", "pushed_at", "mapping", "resources")
    upserted: Insert = stmt.on_conflict_do_update(
        index_elements=[case_snapshots.c.server_url, case_snapshots.c.case_id],
        set_={name: stmt.excluded[name] for name in kept},
    )
    return upserted

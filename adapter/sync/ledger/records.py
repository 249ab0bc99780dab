"""What the ledger hands out and takes in: plain frozen values, never live database rows.

All datetimes are timezone-aware UTC.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Row

from adapter.sync.ledger.schema import AttemptOutcome, ReasonCode, RunKind, RunStatus

__all__ = [
    "Attempt",
    "Conflict",
    "DeadLetter",
    "Entry",
    "LedgerCounts",
    "NewConflict",
    "ResourceKey",
    "Run",
    "SyncedResource",
    "from_row",
]


class ResourceKey(NamedTuple):
    """A resource on one server: its type and its (deterministic) FHIR id."""

    resource_type: str
    resource_id: str


class SyncedResource(NamedTuple):
    """One resource of a case that the server now holds as we sent (or read) it.

    ``changed`` is False when the server kept the previous version (HAPI's
    ``SUCCESSFUL_UPDATE_NO_CHANGE``, or an unchanged hash meaning nothing was sent).
    """

    resource_type: str
    resource_id: str
    version_id: str | None
    content_hash: str
    changed: bool = True
    internal_key: str | None = None


class NewConflict(NamedTuple):
    """A conflict to keep: ``resource`` changed on the server in ``fields``, not applied.

    ``detail`` says why, free of patient data (element names and codes only).
    """

    resource: ResourceKey
    local_version: str | None
    server_version: str | None
    fields: tuple[str, ...]
    detail: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    """What the ledger knows of one resource on one server.

    ``version_id``, ``content_hash`` and ``last_synced_at`` are None until the first success;
    ``attempts`` counts failed attempts since the last success (0 after a success).
    """

    server_url: str
    resource_type: str
    resource_id: str
    case_id: str
    internal_key: str | None
    version_id: str | None
    content_hash: str | None
    last_synced_at: datetime | None
    attempts: int
    last_error_class: str | None
    last_error_at: datetime | None
    last_run_id: int | None

    @property
    def key(self) -> ResourceKey:
        return ResourceKey(self.resource_type, self.resource_id)


@dataclass(frozen=True, slots=True)
class Run:
    id: int
    kind: RunKind
    server_url: str
    status: RunStatus
    started_at: datetime
    finished_at: datetime | None
    heartbeat_at: datetime
    host: str
    pid: int
    process_token: str
    cases_total: int | None
    cases_ok: int
    cases_failed: int
    resources_written: int
    resources_unchanged: int
    summary: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class Attempt:
    """One try at one case in one run (what ``adapter explain`` shows)."""

    id: int
    run_id: int
    server_url: str
    case_id: str
    at: datetime
    outcome: AttemptOutcome
    http_status: int | None
    server_code: str | None
    error_class: str | None
    message: str | None
    operation_outcome: dict[str, Any] | None
    resources: list[dict[str, Any]] | None


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A case that could not be synced and waits for a person or a replay."""

    id: int
    server_url: str
    case_id: str
    reason: ReasonCode
    error_class: str | None
    http_status: int | None
    server_code: str | None
    message: str | None
    operation_outcome: dict[str, Any] | None
    first_at: datetime
    last_at: datetime
    attempts: int
    last_run_id: int | None
    resolved_at: datetime | None
    resolution: str | None

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


@dataclass(frozen=True, slots=True)
class Conflict:
    """A resource changed on both sides since the last sync, kept for a person to decide."""

    id: int
    server_url: str
    case_id: str
    resource_type: str
    resource_id: str
    local_version: str | None
    server_version: str | None
    fields: list[str]
    detail: dict[str, Any] | None
    run_id: int | None
    created_at: datetime
    resolved_at: datetime | None
    resolution: str | None = None


@dataclass(frozen=True, slots=True)
class LedgerCounts:
    """Totals for ``adapter status``."""

    entries_by_type: dict[str, int] = field(default_factory=dict)
    failing_entries: int = 0
    open_dead_letters_by_reason: dict[ReasonCode, int] = field(default_factory=dict)
    open_conflicts: int = 0
    running_runs: int = 0

    @property
    def entries(self) -> int:
        return sum(self.entries_by_type.values())

    @property
    def open_dead_letters(self) -> int:
        return sum(self.open_dead_letters_by_reason.values())


_R = TypeVar("_R")


def from_row(cls: type[_R], row: Row[Any]) -> _R:
    """Build a record from a result row, taking the columns the record declares."""
    mapping = row._mapping
    names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
    return cls(**{name: mapping[name] for name in names})

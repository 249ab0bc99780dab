"""The ledger's tables (SQLAlchemy Core), shared by the ledger and its Alembic migrations.

Only portable column types are used (String, Integer, Text, JSON, DateTime), so the same schema
runs on SQLite and PostgreSQL. Enumerations are stored as their string values without a CHECK
constraint: adding a reason code must not need a table rebuild on SQLite; the Python enums are
the gate.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Dialect,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)

__all__ = [
    "AttemptOutcome",
    "ReasonCode",
    "RunKind",
    "RunStatus",
    "UTCDateTime",
    "attempts",
    "case_leases",
    "case_snapshots",
    "cases",
    "changes",
    "conflicts",
    "dead_letters",
    "entries",
    "inbound_referrals",
    "metadata",
    "outbound_aborts",
    "referral_tasks",
    "runs",
    "server_ids",
    "settings_kv",
    "watermarks",
]


class RunKind(enum.StrEnum):
    PUSH = "push"
    PULL = "pull"
    IMPORT = "import"
    VERIFY = "verify"


class RunStatus(enum.StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


class AttemptOutcome(enum.StrEnum):
    WRITTEN = "written"
    UNCHANGED = "unchanged"
    FAILED = "failed"
    CONFLICT = "conflict"


class ReasonCode(enum.StrEnum):
    """Why a case sits in the dead-letter list (docs/sync.md, dead letters)."""

    DUPLICATE_IDENTITY = "duplicate-identity"
    DANGLING_REFERENCE = "dangling-reference"
    INVALID_RESOURCE = "invalid-resource"
    AUTH = "auth"
    CONFLICT = "conflict"
    RETRIES_EXHAUSTED = "retries-exhausted"
    INVALID_INPUT = "invalid-input"
    INVALID_RESPONSE = "invalid-response"
    """The server's answer did not match what was sent (a failed entry inside a success, a
    location naming another resource, no version): nothing of it is recorded as written."""
    LEDGER_ERROR = "ledger-error"
    """The ledger could not read or record this case (disk full, a damaged database): the case
    is pushed again on the next run."""


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes in and out, on every dialect.

    SQLite keeps no offset, so values are converted to UTC before they are stored and read back
    as UTC; PostgreSQL's ``timestamptz`` answers in the session's zone, converted back to UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} given to the ledger; use UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _enum(cls: type[enum.StrEnum], name: str) -> Enum:
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [member.value for member in members],
    )


# Named constraints keep Alembic's batch mode (SQLite table rebuilds) deterministic.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

SERVER = 512
CASE = 255
FHIR_ID = 64  # FHIR R4: an id is at most 64 characters
TYPE = 64
CODE = 128


def _server() -> Column[Any]:
    return Column("server_url", String(SERVER), nullable=False)


def _case() -> Column[Any]:
    return Column("case_id", String(CASE), nullable=False)


def _failure() -> list[Column[Any]]:
    """What is kept of a failed attempt: no request or resource bodies, so no patient data."""
    return [
        Column("http_status", Integer),
        Column("server_code", String(CODE)),
        Column("error_class", String(CODE)),
        Column("message", Text),
        Column("operation_outcome", JSON),
    ]


runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", _enum(RunKind, "run_kind"), nullable=False),
    _server(),
    Column("status", _enum(RunStatus, "run_status"), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("heartbeat_at", UTCDateTime, nullable=False),
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    # Tells this process from an earlier one that had the same pid (a restarted container).
    Column("process_token", String(36), nullable=False),
    Column("cases_total", Integer),
    Column("cases_ok", Integer, nullable=False, default=0),
    Column("cases_failed", Integer, nullable=False, default=0),
    Column("resources_written", Integer, nullable=False, default=0),
    Column("resources_unchanged", Integer, nullable=False, default=0),
    Column("summary", JSON),
    Index(None, "status"),
)

entries = Table(
    "entries",
    metadata,
    Column("id", Integer, primary_key=True),
    _server(),
    Column("resource_type", String(TYPE), nullable=False),
    Column("resource_id", String(FHIR_ID), nullable=False),
    _case(),
    Column("internal_key", String(CASE)),
    Column("version_id", String(FHIR_ID)),
    Column("content_hash", String(64)),
    Column("last_synced_at", UTCDateTime),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error_class", String(CODE)),
    Column("last_error_at", UTCDateTime),
    Column("last_run_id", Integer, ForeignKey("runs.id")),
    UniqueConstraint("server_url", "resource_type", "resource_id"),
    Index(None, "server_url", "case_id"),
)

attempts = Table(
    "attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    _server(),
    _case(),
    Column("at", UTCDateTime, nullable=False),
    Column("outcome", _enum(AttemptOutcome, "attempt_outcome"), nullable=False),
    *_failure(),
    Column("resources", JSON),
    Index(None, "case_id", "at"),
    Index(None, "run_id"),
)

dead_letters = Table(
    "dead_letters",
    metadata,
    Column("id", Integer, primary_key=True),
    _server(),
    _case(),
    Column("reason", _enum(ReasonCode, "reason_code"), nullable=False),
    *_failure(),
    Column("first_at", UTCDateTime, nullable=False),
    Column("last_at", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, default=1),
    Column("last_run_id", Integer, ForeignKey("runs.id")),
    Column("resolved_at", UTCDateTime),
    Column("resolution", String(CODE)),
    # At most one open dead letter per case and server; resolved ones are history.
    Index(
        "uq_dead_letters_open",
        "server_url",
        "case_id",
        unique=True,
        sqlite_where=text("resolved_at IS NULL"),
        postgresql_where=text("resolved_at IS NULL"),
    ),
)

conflicts = Table(
    "conflicts",
    metadata,
    Column("id", Integer, primary_key=True),
    _server(),
    _case(),
    Column("resource_type", String(TYPE), nullable=False),
    Column("resource_id", String(FHIR_ID), nullable=False),
    Column("local_version", String(FHIR_ID)),
    Column("server_version", String(FHIR_ID)),
    Column("fields", JSON, nullable=False),
    Column("detail", JSON),
    Column("run_id", Integer, ForeignKey("runs.id")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("resolved_at", UTCDateTime),
    # server, local, local-pending (the next push writes the local values), restored
    Column("resolution", String(32)),
    Index(None, "case_id"),
)

# The change feed: each field of a stored case changed without the case-management system (a
# pull, a push's merge, a conflict settled for the server). ``id`` is the cursor.
changes = Table(
    "changes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    _server(),
    _case(),
    Column("run_id", Integer, ForeignKey("runs.id")),
    Column("origin", String(32), nullable=False),
    Column("path", String(512), nullable=False),
    Column("old", JSON),
    Column("new", JSON),
    Column("resource_type", String(TYPE)),
    Column("resource_id", String(FHIR_ID)),
    Column("version_id", String(FHIR_ID)),
    Index(None, "case_id"),
    sqlite_autoincrement=True,
)

watermarks = Table(
    "watermarks",
    metadata,
    Column("server_url", String(SERVER), primary_key=True),
    Column("stream", String(CODE), primary_key=True),
    Column("value", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

settings_kv = Table(
    "settings_kv",
    metadata,
    Column("key", String(CODE), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# The case store (outbox): the latest accepted internal case per case id. This is patient data,
# which is why the ledger file is private to its owner.
cases = Table(
    "cases",
    metadata,
    Column("case_id", String(CASE), primary_key=True),
    Column("document", JSON),
    # Where the case was last read from: a file path, "api" or "pull".
    Column("source", String(1024), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # The case as the case-management system last sent it (file or API), before any rebase: the
    # base that tells a stale re-export from a change of its own (adapter.sync.intake).
    Column("sent", JSON),
)

# The case as last pushed in full to one server: the base of the three-way merge.
case_snapshots = Table(
    "case_snapshots",
    metadata,
    Column("server_url", String(SERVER), primary_key=True),
    Column("case_id", String(CASE), primary_key=True),
    Column("document", JSON, nullable=False),
    Column("run_id", Integer, ForeignKey("runs.id")),
    Column("pushed_at", UTCDateTime, nullable=False),
    # The mapping fingerprint the document was pushed with and the number of resources it
    # landed as (adapter.mappings.fingerprint): NULL when not pushed in full.
    Column("mapping", String(64)),
    Column("resources", Integer),
)

# Where the server assigns ids (ADAPTER_FHIR_ID_STRATEGY=server): the server's id of each
# resource the adapter knows by its deterministic id (adapter.sync.server_ids).
server_ids = Table(
    "server_ids",
    metadata,
    _server(),
    Column("resource_type", String(TYPE), nullable=False),
    Column("resource_id", String(FHIR_ID), nullable=False),
    Column("server_id", String(FHIR_ID), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("server_url", "resource_type", "resource_id"),
    Index(None, "server_url", "resource_type", "server_id"),
)


# Referrals addressed to this case-management organization (adapter.sync.referrals.inbound):
# which case each claimed Task opened, and the last answer the adapter wrote to it.
inbound_referrals = Table(
    "inbound_referrals",
    metadata,
    _server(),
    Column("task_id", String(FHIR_ID), nullable=False),
    _case(),
    Column("status", String(TYPE), nullable=False),
    Column("task_version", String(FHIR_ID)),
    Column("claimed_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("server_url", "task_id"),
    Index(None, "case_id"),
)


# Cancellation Tasks (Gravity, code abort) the adapter sent for outbound referrals the performer
# had already started, and the performer's answer (requested until it answers).
outbound_aborts = Table(
    "outbound_aborts",
    metadata,
    _server(),
    Column("abort_id", String(FHIR_ID), nullable=False),
    Column("task_id", String(FHIR_ID), nullable=False),
    _case(),
    Column("record_id", String(FHIR_ID), nullable=False),
    Column("status", String(TYPE), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("server_url", "abort_id"),
    Index(None, "server_url", "task_id"),
)


# Which push worker holds a case on a server until when (adapter.sync.ledger.leases): several
# workers on one PostgreSQL ledger each take a case only while no live lease names another.
case_leases = Table(
    "case_leases",
    metadata,
    Column("server_url", String(SERVER), primary_key=True),
    Column("case_id", String(CASE), primary_key=True),
    Column("holder", String(CODE), nullable=False),
    Column("acquired_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Index(None, "holder"),
)


# Outbound referral Tasks written to the performer's server (ADAPTER_REFERRAL_TASK_SERVER), not
# the case's: per Task server and case task, the Task's id and version there and the hash of
# what that server confirmed; ``pending`` the reason the last write failed (retried next push).
referral_tasks = Table(
    "referral_tasks",
    metadata,
    _server(),
    _case(),
    Column("record_id", String(FHIR_ID), nullable=False),
    Column("task_id", String(FHIR_ID)),
    Column("version", String(FHIR_ID)),
    Column("content_hash", String(64)),
    Column("status", String(TYPE)),
    Column("pending", Text),
    Column("updated_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("server_url", "case_id", "record_id"),
)

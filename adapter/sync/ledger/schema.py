"""The ledger's tables (SQLAlchemy Core), shared by the ledger and its Alembic migrations.

The column types, enumerations and shared columns are in :mod:`adapter.sync.ledger.columns`, the
referral tables in :mod:`adapter.sync.ledger.referral_tables`; all are exported here. Only
portable column types are used (String, Integer, Text, JSON, DateTime), so the same schema
runs on SQLite and PostgreSQL. Enumerations are stored as their string values without a CHECK
constraint: adding a reason code must not need a table rebuild on SQLite; the Python enums are
the gate.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from adapter.sync.ledger.columns import (
    CASE,
    CODE,
    FHIR_ID,
    SERVER,
    TYPE,
    AttemptOutcome,
    ReasonCode,
    RunKind,
    RunStatus,
    UTCDateTime,
    case_column,
    enum_column,
    failure_columns,
    metadata,
    server_column,
)
from adapter.sync.ledger.referral_tables import inbound_referrals, outbound_aborts, referral_tasks

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


runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", enum_column(RunKind, "run_kind"), nullable=False),
    server_column(),
    Column("status", enum_column(RunStatus, "run_status"), nullable=False),
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
    server_column(),
    Column("resource_type", String(TYPE), nullable=False),
    Column("resource_id", String(FHIR_ID), nullable=False),
    case_column(),
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
    server_column(),
    case_column(),
    Column("at", UTCDateTime, nullable=False),
    Column("outcome", enum_column(AttemptOutcome, "attempt_outcome"), nullable=False),
    *failure_columns(),
    Column("resources", JSON),
    Index(None, "case_id", "at"),
    Index(None, "run_id"),
)

dead_letters = Table(
    "dead_letters",
    metadata,
    Column("id", Integer, primary_key=True),
    server_column(),
    case_column(),
    Column("reason", enum_column(ReasonCode, "reason_code"), nullable=False),
    *failure_columns(),
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
    server_column(),
    case_column(),
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
    server_column(),
    case_column(),
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
    server_column(),
    Column("resource_type", String(TYPE), nullable=False),
    Column("resource_id", String(FHIR_ID), nullable=False),
    Column("server_id", String(FHIR_ID), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("server_url", "resource_type", "resource_id"),
    Index(None, "server_url", "resource_type", "server_id"),
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

"""The ledger's column types, value enumerations, sizes and shared columns (SQLAlchemy Core).

Kept apart from the tables (:mod:`adapter.sync.ledger.schema`) so that table groups can live in
modules of their own on one ``metadata``.
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
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
)

__all__ = [
    "CASE",
    "CODE",
    "FHIR_ID",
    "SERVER",
    "TYPE",
    "AttemptOutcome",
    "ReasonCode",
    "RunKind",
    "RunStatus",
    "UTCDateTime",
    "case_column",
    "enum_column",
    "failure_columns",
    "metadata",
    "server_column",
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


def enum_column(cls: type[enum.StrEnum], name: str) -> Enum:
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


def server_column() -> Column[Any]:
    return Column("server_url", String(SERVER), nullable=False)


def case_column() -> Column[Any]:
    return Column("case_id", String(CASE), nullable=False)


def failure_columns() -> list[Column[Any]]:
    """What is kept of a failed attempt: no request or resource bodies, so no patient data."""
    return [
        Column("http_status", Integer),
        Column("server_code", String(CODE)),
        Column("error_class", String(CODE)),
        Column("message", Text),
        Column("operation_outcome", JSON),
    ]

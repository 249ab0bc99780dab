"""The ledger's referral tables: inbound referrals claimed, cancellation Tasks sent, and
outbound referral Tasks kept on the performer's server. On the ledger's one ``metadata``;
:mod:`adapter.sync.ledger.schema` exports them with the rest."""

from __future__ import annotations

from sqlalchemy import Column, Index, PrimaryKeyConstraint, String, Table, Text

from adapter.sync.ledger.columns import (
    FHIR_ID,
    TYPE,
    UTCDateTime,
    case_column,
    metadata,
    server_column,
)

__all__ = ["inbound_referrals", "outbound_aborts", "referral_tasks"]


# Referrals addressed to this case-management organization (adapter.sync.referrals.inbound):
# which case each claimed Task opened, and the last answer the adapter wrote to it.
inbound_referrals = Table(
    "inbound_referrals",
    metadata,
    server_column(),
    Column("task_id", String(FHIR_ID), nullable=False),
    case_column(),
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
    server_column(),
    Column("abort_id", String(FHIR_ID), nullable=False),
    Column("task_id", String(FHIR_ID), nullable=False),
    case_column(),
    Column("record_id", String(FHIR_ID), nullable=False),
    Column("status", String(TYPE), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("server_url", "abort_id"),
    Index(None, "server_url", "task_id"),
)


# Outbound referral Tasks written to the performer's server (ADAPTER_REFERRAL_TASK_SERVER), not
# the case's: per Task server and case task, the Task's id and version there and the hash of
# what that server confirmed; ``pending`` the reason the last write failed (retried next push).
referral_tasks = Table(
    "referral_tasks",
    metadata,
    server_column(),
    case_column(),
    Column("record_id", String(FHIR_ID), nullable=False),
    Column("task_id", String(FHIR_ID)),
    Column("version", String(FHIR_ID)),
    Column("content_hash", String(64)),
    Column("status", String(TYPE)),
    Column("pending", Text),
    Column("updated_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("server_url", "case_id", "record_id"),
)

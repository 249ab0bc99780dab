"""The first ledger schema: entries, runs, attempts, dead letters, conflicts, watermarks, settings.

A frozen snapshot on purpose: revisions never import the live schema module, so a later
change to the tables cannot rewrite history.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_WHEN = sa.DateTime(timezone=True)
_OPEN = sa.text("resolved_at IS NULL")


def _server() -> sa.Column[str]:
    return sa.Column("server_url", sa.String(512), nullable=False)


def _case() -> sa.Column[str]:
    return sa.Column("case_id", sa.String(255), nullable=False)


def _code(name: str, *, nullable: bool = True) -> sa.Column[str]:
    return sa.Column(name, sa.String(128), nullable=nullable)


def _run_ref(table: str, name: str, *, nullable: bool = True) -> sa.Column[int]:
    return sa.Column(
        name,
        sa.Integer,
        sa.ForeignKey("runs.id", name=f"fk_{table}_{name}_runs"),
        nullable=nullable,
    )


def _failure() -> list[sa.Column[Any]]:
    return [
        sa.Column("http_status", sa.Integer),
        _code("server_code"),
        _code("error_class"),
        sa.Column("message", sa.Text),
        sa.Column("operation_outcome", sa.JSON),
    ]


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        _server(),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("started_at", _WHEN, nullable=False),
        sa.Column("finished_at", _WHEN),
        sa.Column("heartbeat_at", _WHEN, nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("process_token", sa.String(36), nullable=False),
        sa.Column("cases_total", sa.Integer),
        *(
            sa.Column(name, sa.Integer, nullable=False)
            for name in ("cases_ok", "cases_failed", "resources_written", "resources_unchanged")
        ),
        sa.Column("summary", sa.JSON),
        sa.PrimaryKeyConstraint("id", name="pk_runs"),
    )
    op.create_index("ix_runs_status", "runs", ["status"])
    op.create_table(
        "entries",
        sa.Column("id", sa.Integer, nullable=False),
        _server(),
        sa.Column("resource_type", sa.String(64), nullable=False),
        sa.Column("resource_id", sa.String(64), nullable=False),
        _case(),
        sa.Column("internal_key", sa.String(255)),
        sa.Column("version_id", sa.String(64)),
        sa.Column("content_hash", sa.String(64)),
        sa.Column("last_synced_at", _WHEN),
        sa.Column("attempts", sa.Integer, nullable=False),
        _code("last_error_class"),
        sa.Column("last_error_at", _WHEN),
        _run_ref("entries", "last_run_id"),
        sa.PrimaryKeyConstraint("id", name="pk_entries"),
        sa.UniqueConstraint(
            "server_url",
            "resource_type",
            "resource_id",
            name="uq_entries_server_url_resource_type_resource_id",
        ),
    )
    op.create_index("ix_entries_server_url_case_id", "entries", ["server_url", "case_id"])
    op.create_table(
        "attempts",
        sa.Column("id", sa.Integer, nullable=False),
        _run_ref("attempts", "run_id", nullable=False),
        _server(),
        _case(),
        sa.Column("at", _WHEN, nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        *_failure(),
        sa.Column("resources", sa.JSON),
        sa.PrimaryKeyConstraint("id", name="pk_attempts"),
    )
    op.create_index("ix_attempts_case_id_at", "attempts", ["case_id", "at"])
    op.create_index("ix_attempts_run_id", "attempts", ["run_id"])
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.Integer, nullable=False),
        _server(),
        _case(),
        sa.Column("reason", sa.String(32), nullable=False),
        *_failure(),
        sa.Column("first_at", _WHEN, nullable=False),
        sa.Column("last_at", _WHEN, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        _run_ref("dead_letters", "last_run_id"),
        sa.Column("resolved_at", _WHEN),
        _code("resolution"),
        sa.PrimaryKeyConstraint("id", name="pk_dead_letters"),
    )
    op.create_index(
        "uq_dead_letters_open",
        "dead_letters",
        ["server_url", "case_id"],
        unique=True,
        sqlite_where=_OPEN,
        postgresql_where=_OPEN,
    )
    op.create_table(
        "conflicts",
        sa.Column("id", sa.Integer, nullable=False),
        _server(),
        _case(),
        sa.Column("resource_type", sa.String(64), nullable=False),
        sa.Column("resource_id", sa.String(64), nullable=False),
        sa.Column("local_version", sa.String(64)),
        sa.Column("server_version", sa.String(64)),
        sa.Column("fields", sa.JSON, nullable=False),
        sa.Column("detail", sa.JSON),
        _run_ref("conflicts", "run_id"),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("resolved_at", _WHEN),
        sa.PrimaryKeyConstraint("id", name="pk_conflicts"),
    )
    op.create_index("ix_conflicts_case_id", "conflicts", ["case_id"])
    op.create_table(
        "watermarks",
        _server(),
        _code("stream", nullable=False),
        sa.Column("value", _WHEN, nullable=False),
        sa.Column("updated_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("server_url", "stream", name="pk_watermarks"),
    )
    op.create_table(
        "settings_kv",
        _code("key", nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("updated_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_settings_kv"),
    )


def downgrade() -> None:
    for table in ("settings_kv", "watermarks", "conflicts", "dead_letters", "attempts", "entries"):
        op.drop_table(table)
    op.drop_table("runs")

"""Outbound referral cancellations: the abort Tasks (Gravity, code abort) sent for referrals
the performer had already accepted or started, per server, and the performer's answer.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

_WHEN = sa.DateTime(timezone=True)

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbound_aborts",
        sa.Column("server_url", sa.String(512), nullable=False),
        sa.Column("abort_id", sa.String(64), nullable=False),
        sa.Column("task_id", sa.String(64), nullable=False),
        sa.Column("case_id", sa.String(255), nullable=False),
        sa.Column("record_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(64), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("updated_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("server_url", "abort_id", name="pk_outbound_aborts"),
    )
    op.create_index(
        "ix_outbound_aborts_server_url_task_id", "outbound_aborts", ["server_url", "task_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_outbound_aborts_server_url_task_id", table_name="outbound_aborts")
    op.drop_table("outbound_aborts")

"""Referrals addressed to this case-management organization: the Task each inbound case was
opened from, per server, and the last answer written to it (accepted, rejected, completed,
cancelled).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

_WHEN = sa.DateTime(timezone=True)

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbound_referrals",
        sa.Column("server_url", sa.String(512), nullable=False),
        sa.Column("task_id", sa.String(64), nullable=False),
        sa.Column("case_id", sa.String(255), nullable=False),
        sa.Column("status", sa.String(64), nullable=False),
        sa.Column("task_version", sa.String(64), nullable=True),
        sa.Column("claimed_at", _WHEN, nullable=False),
        sa.Column("updated_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("server_url", "task_id", name="pk_inbound_referrals"),
    )
    op.create_index("ix_inbound_referrals_case_id", "inbound_referrals", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_inbound_referrals_case_id", table_name="inbound_referrals")
    op.drop_table("inbound_referrals")

"""Outbound referral Tasks on the performer's server (ADAPTER_REFERRAL_TASK_SERVER): per Task
server and case task, the Task's id and version there, the hash of what that server confirmed
and, while a write keeps failing, why (the next push retries it).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "referral_tasks",
        sa.Column("server_url", sa.String(512), nullable=False),
        sa.Column("case_id", sa.String(255), nullable=False),
        sa.Column("record_id", sa.String(64), nullable=False),
        sa.Column("task_id", sa.String(64)),
        sa.Column("version", sa.String(64)),
        sa.Column("content_hash", sa.String(64)),
        sa.Column("status", sa.String(64)),
        sa.Column("pending", sa.Text),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("server_url", "case_id", "record_id", name="pk_referral_tasks"),
    )


def downgrade() -> None:
    op.drop_table("referral_tasks")

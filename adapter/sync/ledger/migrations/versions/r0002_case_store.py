"""The case store: the latest accepted case per case id, and the case as last pushed per server.

A frozen snapshot on purpose, like every revision: it never imports the live schema module.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("case_id", sa.String(255), nullable=False),
        sa.Column("document", sa.JSON),
        sa.Column("source", sa.String(1024), nullable=False),
        sa.Column("updated_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("case_id", name="pk_cases"),
    )
    op.create_table(
        "case_snapshots",
        sa.Column("server_url", sa.String(512), nullable=False),
        sa.Column("case_id", sa.String(255), nullable=False),
        sa.Column("document", sa.JSON, nullable=False),
        sa.Column(
            "run_id",
            sa.Integer,
            sa.ForeignKey("runs.id", name="fk_case_snapshots_run_id_runs"),
        ),
        sa.Column("pushed_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("server_url", "case_id", name="pk_case_snapshots"),
    )


def downgrade() -> None:
    op.drop_table("case_snapshots")
    op.drop_table("cases")

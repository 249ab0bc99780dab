"""Case leases: which push worker holds a case on a server, until when.

Several adapter workers (CLI pushes, service replicas) on one PostgreSQL ledger each push a
case only while they hold its lease (adapter.sync.ledger.leases); a killed worker's leases
expire and others take its cases over.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_leases",
        sa.Column("server_url", sa.String(512), nullable=False),
        sa.Column("case_id", sa.String(255), nullable=False),
        sa.Column("holder", sa.String(128), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("server_url", "case_id", name="pk_case_leases"),
    )
    op.create_index("ix_case_leases_holder", "case_leases", ["holder"])


def downgrade() -> None:
    op.drop_index("ix_case_leases_holder", table_name="case_leases")
    op.drop_table("case_leases")

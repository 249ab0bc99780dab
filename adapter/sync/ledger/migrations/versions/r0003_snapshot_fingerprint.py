"""What a case snapshot was mapped with, and how many resources it landed as.

A push whose case document equals the snapshot, mapped by the same mapping code into the same
namespace, cannot send anything: it is answered from these two columns without mapping the
case or touching its entries (the no-op re-sync fast path). NULL means "unknown": such a
snapshot is planned resource by resource, as before.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("case_snapshots", sa.Column("mapping", sa.String(64)))
    op.add_column("case_snapshots", sa.Column("resources", sa.Integer))


def downgrade() -> None:
    with op.batch_alter_table("case_snapshots") as batch:
        batch.drop_column("resources")
        batch.drop_column("mapping")

"""The case as the case-management system last sent it, next to the accepted case.

The accepted case moves on without the case-management system (a pull or a push's merge takes
in a provider's completion), so a later re-export can be *behind* on performer-owned fields.
Telling that from a change of the system's own needs what it said last time. NULL: not known
yet (the push's snapshot serves instead).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("sent", sa.JSON))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("sent")

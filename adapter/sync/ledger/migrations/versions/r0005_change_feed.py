"""The change feed and closable conflicts.

``changes``: one row per field of a stored case that changed without the case-management
system (a pull, a push's merge, a conflict resolved by taking the server's side). Its ``id`` is
the feed's cursor: monotonic, written in the same transaction as the stored case.

``conflicts.resolution``: how a conflict was settled (``server``, ``local``, ``local-pending``
while the next push has not yet written the local values, ``restored`` by a push's rule).

A frozen snapshot on purpose, like every revision: it never imports the live schema module.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "changes",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("at", _WHEN, nullable=False),
        sa.Column("server_url", sa.String(512), nullable=False),
        sa.Column("case_id", sa.String(255), nullable=False),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", name="fk_changes_run_id_runs")),
        sa.Column("origin", sa.String(32), nullable=False),
        sa.Column("path", sa.String(512), nullable=False),
        sa.Column("old", sa.JSON),
        sa.Column("new", sa.JSON),
        sa.Column("resource_type", sa.String(64)),
        sa.Column("resource_id", sa.String(64)),
        sa.Column("version_id", sa.String(64)),
        sa.PrimaryKeyConstraint("id", name="pk_changes"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_changes_case_id", "changes", ["case_id"])
    op.add_column("conflicts", sa.Column("resolution", sa.String(32)))


def downgrade() -> None:
    with op.batch_alter_table("conflicts") as batch:
        batch.drop_column("resolution")
    op.drop_index("ix_changes_case_id", "changes")
    op.drop_table("changes")

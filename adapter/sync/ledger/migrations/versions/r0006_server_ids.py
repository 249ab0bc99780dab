"""The server's own id of each resource, for servers that assign ids themselves.

Where client-assigned ids are refused (ADAPTER_FHIR_ID_STRATEGY=server), the adapter still
knows every resource by its deterministic id; this table keeps, per server, the id the server
gave it, as read from the server's answer to the write that created it.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "server_ids",
        sa.Column("server_url", sa.String(512), nullable=False),
        sa.Column("resource_type", sa.String(64), nullable=False),
        sa.Column("resource_id", sa.String(64), nullable=False),
        sa.Column("server_id", sa.String(64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("server_url", "resource_type", "resource_id", name="pk_server_ids"),
    )
    op.create_index(
        "ix_server_ids_server_url_resource_type_server_id",
        "server_ids",
        ["server_url", "resource_type", "server_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_server_ids_server_url_resource_type_server_id", table_name="server_ids")
    op.drop_table("server_ids")

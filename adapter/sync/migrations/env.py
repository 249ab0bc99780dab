"""Alembic environment of the ledger.

``Ledger.open`` runs migrations on its own connection (passed in ``config.attributes``), inside
a transaction that already holds the write lock. For development the ``alembic`` command works
too, with ``sqlalchemy.url`` set on the config (see docs/ledger.md).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from adapter.sync.ledger_engine import create_ledger_engine
from adapter.sync.ledger_schema import metadata


def _run(connection: Connection) -> None:
    # Batch mode lets later revisions alter tables on SQLite, which has no ALTER COLUMN.
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    config = context.config
    url = config.get_main_option("sqlalchemy.url")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    if url is None:
        raise RuntimeError("set sqlalchemy.url (or pass a connection) to run ledger migrations")
    engine = create_ledger_engine(url)
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()


_main()

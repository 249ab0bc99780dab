"""Bring a ledger database to the schema this code expects, with Alembic.

The migration scripts ship inside the package (``adapter/sync/migrations``), so an installed
adapter can migrate a ledger without a checkout or an ``alembic.ini``.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine, text

from adapter.errors import LedgerError
from adapter.sync.ledger.engine import masked, transaction

__all__ = ["MIGRATIONS_DIR", "alembic_config", "current_revision", "head_revision", "upgrade"]

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# Any fixed number: concurrent first starts on PostgreSQL queue on it instead of racing DDL.
_PG_LOCK_KEY = 0x4C454447


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config pointing at the shipped migrations (and at ``url`` if given)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Revision ids may start with a digit; the "r" keeps file names importable module names.
    config.set_main_option("file_template", "r%%(rev)s_%%(slug)s")
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the ledger migrations have no head"
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision stamped in the database, None for an empty one."""
    with transaction(engine, write=False, operation="open") as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> bool:
    """Migrate to head; True if anything ran. Safe when several processes start at once."""
    head = head_revision()
    if current_revision(engine) == head:
        return False
    config = alembic_config()
    with transaction(engine, write=True, operation="migrate") as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        # Read again under the lock: another process may have migrated meanwhile.
        current = MigrationContext.configure(conn).get_current_revision()
        if current == head:
            return False
        _check_known(config, current, engine)
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    return True


def _check_known(config: Config, revision: str | None, engine: Engine) -> None:
    if revision is None:
        return
    try:
        ScriptDirectory.from_config(config).get_revision(revision)
    except CommandError as exc:
        raise LedgerError(
            f"the ledger at {masked(engine.url)} has schema revision {revision!r}, which this "
            "adapter version does not know: it was written by a newer adapter",
            url=masked(engine.url),
            operation="open",
        ) from exc

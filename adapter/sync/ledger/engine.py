"""Connections to the ledger database, and the one seam where database errors become LedgerError.

SQLite (the default) is tuned for several processes sharing one file: WAL journal (readers never
block the writer), a busy timeout (a writer waits for another instead of failing), and every
write transaction opened with ``BEGIN IMMEDIATE`` so it takes the write lock up front. A deferred
transaction that reads first and writes later cannot wait for the lock: SQLite fails it at once
with "database is locked", whatever the busy timeout says.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from adapter.errors import LedgerError

__all__ = [
    "DEFAULT_BUSY_TIMEOUT",
    "create_ledger_engine",
    "insert_for",
    "masked",
    "transaction",
    "upsert",
]

DEFAULT_BUSY_TIMEOUT = 30.0
_WRITE = "ledger_write"
_DIALECTS = ("sqlite", "postgresql")


def masked(url: str | URL) -> str:
    """The URL as it may be shown: password replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable ledger URL>"


def _json(value: Any) -> str:
    """JSON columns hold server answers, whose decimals are Decimals (adapter.fhir.json_body).

    Imported here: ``adapter.fhir`` imports the settings, which import this module."""
    from adapter.fhir.json_body import dumps

    return dumps(value).decode()


def create_ledger_engine(url: str, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> Engine:
    """An engine for ``url`` (``sqlite:///path`` or ``postgresql://...``), ready for the ledger."""
    parsed = _parse(url)
    try:
        if parsed.get_backend_name() == "sqlite":
            _prepare_sqlite_file(parsed)
            engine = create_engine(
                parsed, connect_args={"timeout": busy_timeout}, json_serializer=_json
            )
            _tune_sqlite(engine, busy_timeout)
            return engine
        if parsed.drivername == "postgresql":
            # The ``postgres`` extra installs psycopg (v3); SQLAlchemy would default to psycopg2.
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(parsed, pool_pre_ping=True, json_serializer=_json)
    except (NoSuchModuleError, ImportError) as exc:
        raise LedgerError(
            f"no database driver for {masked(parsed)}: {exc} (install cm-fhir-adapter[postgres])",
            url=masked(parsed),
            operation="open",
        ) from exc


@contextmanager
def transaction(engine: Engine, *, write: bool, operation: str) -> Iterator[Connection]:
    """One transaction, committed when the block ends; database errors come out as LedgerError."""
    try:
        with engine.connect() as conn:
            if write:
                conn.execution_options(**{_WRITE: True})
            with conn.begin():
                yield conn
    except SQLAlchemyError as exc:
        raise translate(exc, engine.url, operation) from exc


def translate(exc: SQLAlchemyError, url: URL, operation: str) -> LedgerError:
    """The seam: a SQLAlchemy error as a LedgerError saying what and where, without SQL."""
    reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
    return LedgerError(
        f"ledger {operation} failed on {masked(url)}: {reason}",
        url=masked(url),
        operation=operation,
    )


def upsert(conn: Connection, table: Table) -> sqlite.Insert | postgresql.Insert:
    """``INSERT ... ON CONFLICT`` for the connection's dialect (both speak the same clause)."""
    return insert_for(conn.dialect.name, table)


def insert_for(dialect: str, table: Table) -> sqlite.Insert | postgresql.Insert:
    """:func:`upsert` by dialect name, for statements built once per dialect."""
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


def _parse(url: str) -> URL:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise LedgerError(f"not a database URL: {url!r}", operation="open") from exc
    if parsed.get_backend_name() not in _DIALECTS:
        raise LedgerError(
            f"unsupported ledger database {parsed.get_backend_name()!r}: use sqlite or postgresql",
            url=masked(parsed),
            operation="open",
        )
    return parsed


def _prepare_sqlite_file(url: URL) -> None:
    database = url.database
    if not database or database == ":memory:" or url.query.get("mode") == "memory":
        raise LedgerError(
            "an in-memory ledger forgets everything when the process ends: give a file path",
            url=masked(url),
            operation="open",
        )
    path = Path(database).expanduser()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Dead letters hold the server's OperationOutcomes: readable by the owner only.
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        os.close(fd)
        _tighten(path)
    except OSError as exc:
        raise LedgerError(
            f"cannot create the ledger file {path}: {exc.strerror}",
            url=masked(url),
            operation="open",
        ) from exc


def _tighten(path: Path) -> None:
    """On every open, not only on creation: a ledger copied in, restored from a backup or made
    by an older version may be readable by others. The file and SQLite's ``-wal``/``-shm``
    files become owner-only, and so does the directory when it is the adapter's own."""
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists() and file.stat().st_uid == os.getuid():
            file.chmod(0o600)
    if path.parent.name == "cm-fhir-adapter" and path.parent.stat().st_uid == os.getuid():
        path.parent.chmod(0o700)


def _tune_sqlite(engine: Engine, busy_timeout: float) -> None:
    busy_ms = int(busy_timeout * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own transaction handling would BEGIN lazily and DEFERRED; we begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
            cursor.execute("PRAGMA journal_mode = WAL")
            # NORMAL is crash-safe in WAL mode; a power cut may drop the last acknowledgements,
            # which only means idempotent upserts are sent again.
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from adapter.errors import LedgerError
from adapter.settings import default_ledger_url
from adapter.sync.ledger import Ledger
from adapter.sync.ledger import migrate as ledger_migrations
from adapter.sync.ledger.engine import create_ledger_engine
from adapter.sync.ledger.schema import metadata

TABLES = {
    "alembic_version",
    "attempts",
    "case_leases",
    "case_snapshots",
    "cases",
    "changes",
    "conflicts",
    "dead_letters",
    "entries",
    "runs",
    "server_ids",
    "settings_kv",
    "watermarks",
    "inbound_referrals",
    "outbound_aborts",
    "referral_tasks",
}


def test_open_creates_and_migrates_an_empty_database_to_head(ledger_url: str):
    with Ledger.open(ledger_url):
        pass
    engine = create_ledger_engine(ledger_url)
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) == TABLES
        assert (
            MigrationContext.configure(conn).get_current_revision()
            == ledger_migrations.head_revision()
        )
    engine.dispose()


def test_migrations_produce_exactly_the_declared_schema(ledger_url: str):
    with Ledger.open(ledger_url):
        pass
    engine = create_ledger_engine(ledger_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert diff == []


def test_second_open_changes_nothing(ledger_url: str):
    Ledger.open(ledger_url).close()
    engine = create_ledger_engine(ledger_url)
    try:
        before = ledger_migrations.current_revision(engine)
        assert ledger_migrations.upgrade(engine) is False
        assert ledger_migrations.current_revision(engine) == before
    finally:
        engine.dispose()


def test_sqlite_ledger_uses_wal_and_foreign_keys(sqlite_url: str):
    engine = create_ledger_engine(sqlite_url)
    try:
        Ledger.open(sqlite_url).close()
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
            assert conn.execute(text("PRAGMA busy_timeout")).scalar_one() == 30000
    finally:
        engine.dispose()


def test_ledger_file_is_private_to_its_owner(sqlite_url: str, tmp_path: Path):
    Ledger.open(sqlite_url).close()
    mode = stat.S_IMODE(os.stat(tmp_path / "state" / "ledger.sqlite").st_mode)
    assert mode == 0o600


def test_unwritable_location_is_a_ledger_error(tmp_path: Path):
    # A regular file where a directory should be: refused even for root.
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    with pytest.raises(LedgerError, match="cannot create the ledger file") as caught:
        Ledger.open(f"sqlite:///{blocker / 'sub' / 'ledger.sqlite'}")
    assert caught.value.operation == "open"


def test_a_file_that_is_not_a_database_is_a_ledger_error(tmp_path: Path):
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(LedgerError, match="not a database") as caught:
        Ledger.open(f"sqlite:///{junk}")
    assert caught.value.url == f"sqlite:///{junk}"


def test_a_newer_schema_than_the_code_knows_is_refused(ledger_url: str):
    Ledger.open(ledger_url).close()
    engine = create_ledger_engine(ledger_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'from-the-future'"))
    engine.dispose()
    with pytest.raises(LedgerError, match="newer adapter"):
        Ledger.open(ledger_url)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://user@db/ledger", "unsupported ledger database"),
        ("sqlite://", "in-memory"),
        ("sqlite:///:memory:", "in-memory"),
        ("not a url", "not a database URL"),
    ],
)
def test_unusable_urls_are_refused_with_a_reason(url: str, message: str):
    with pytest.raises(LedgerError, match=message):
        Ledger.open(url)


def test_passwords_never_appear_in_ledger_errors():
    with pytest.raises(LedgerError) as caught:
        Ledger.open("mysql://user:s3cret@db/ledger")
    assert "s3cret" not in str(caught.value)
    assert "s3cret" not in (caught.value.url or "")


def test_default_url_is_per_user_not_per_directory():
    url = default_ledger_url({"HOME": "/home/cm"})
    assert url == "sqlite:////home/cm/.local/share/cm-fhir-adapter/ledger.sqlite"
    assert default_ledger_url({"XDG_DATA_HOME": "/data", "HOME": "/home/cm"}) == (
        "sqlite:////data/cm-fhir-adapter/ledger.sqlite"
    )


def test_migrations_ship_inside_the_package():
    versions = ledger_migrations.MIGRATIONS_DIR / "versions"
    assert (ledger_migrations.MIGRATIONS_DIR / "env.py").is_file()
    assert any(path.name.startswith("r0001") for path in versions.glob("*.py"))


def test_an_unreachable_postgres_server_is_a_ledger_error_without_the_password():
    # Port 1 on loopback: refused at once, no server needed.
    with pytest.raises(LedgerError, match="Connection refused") as caught:
        Ledger.open("postgresql://cm:s3cret@127.0.0.1:1/ledger")
    assert caught.value.operation == "open"
    assert "s3cret" not in str(caught.value)


def test_a_ledger_readable_by_others_is_tightened_when_opened(tmp_path: Path):
    own = tmp_path / "cm-fhir-adapter"
    url = f"sqlite:///{own / 'ledger.sqlite'}"
    Ledger.open(url).close()
    for path, loose in ((own / "ledger.sqlite", 0o644), (own, 0o755)):
        path.chmod(loose)  # copied in, restored from a backup, made by an older version
    with Ledger.open(url):
        assert stat.S_IMODE(os.stat(own / "ledger.sqlite").st_mode) == 0o600
        assert stat.S_IMODE(os.stat(own).st_mode) == 0o700

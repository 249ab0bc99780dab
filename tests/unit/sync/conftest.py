from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import make_url, text

from adapter.sync.ledger import Ledger
from adapter.sync.ledger.engine import create_ledger_engine
from adapter.sync.ledger.schema import RunKind
from tests.support.ledger import BACKENDS, POSTGRES_URL, SERVER, Clock


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'state' / 'ledger.sqlite'}"


@pytest.fixture(params=BACKENDS)
def ledger_url(request: pytest.FixtureRequest, sqlite_url: str) -> Iterator[str]:
    """An empty ledger database on each backend under test."""
    if request.param == "sqlite":
        yield sqlite_url
        return
    assert POSTGRES_URL is not None
    yield from _fresh_postgres_schema(POSTGRES_URL)


def _fresh_postgres_schema(server_url: str) -> Iterator[str]:
    """A schema of its own per test, chosen through the connection's search_path."""
    schema = f"ledger_test_{uuid.uuid4().hex[:12]}"
    admin = create_ledger_engine(server_url)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(server_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ledger(ledger_url: str, clock: Clock) -> Iterator[Ledger]:
    with Ledger.open(ledger_url, clock=clock) as opened:
        yield opened


@pytest.fixture
def run_id(ledger: Ledger) -> int:
    return ledger.start_run(RunKind.PUSH, SERVER).id

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapter.sync.ledger import Ledger
from adapter.sync.ledger.schema import RunKind
from tests.support.ledger import BACKENDS, POSTGRES_URL, SERVER, Clock
from tests.support.postgres import fresh_postgres_schema


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
    yield from fresh_postgres_schema(POSTGRES_URL)


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

"""Fixtures shared by the integration tests: a FHIR client on the real server (its transport
counts the requests), a fresh ledger."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from adapter.fhir import FHIRClient, open_client
from adapter.settings import load_settings
from adapter.sync.ledger import Ledger
from tests.integration.push_support import CountingTransport


@pytest.fixture
def transport() -> CountingTransport:
    return CountingTransport()


@pytest.fixture
async def client(fhir_base_url: str, transport: CountingTransport) -> AsyncIterator[FHIRClient]:
    settings = load_settings(fhir_base_url=fhir_base_url)
    async with open_client(settings, transport=transport) as fhir:
        yield fhir


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with Ledger.open(f"sqlite:///{tmp_path / 'ledger.sqlite'}") as opened:
        yield opened

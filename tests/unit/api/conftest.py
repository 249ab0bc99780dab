"""An app on a throwaway ledger, driven in-process through httpx's ASGI transport."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from adapter.api import create_app
from adapter.settings import Settings, load_settings
from tests.support.api import NOTIFY_TOKEN, TOKEN, serve


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # Port 9 (discard) on loopback: a unit test that reached for a FHIR server would fail fast.
    return load_settings(
        fhir_base_url="http://127.0.0.1:9/fhir",
        ledger_url=f"sqlite:///{tmp_path / 'ledger.db'}",
        api_token=TOKEN,
        notify_token=NOTIFY_TOKEN,
        fhir_retry={"max_attempts": 1},
    )


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async for client in serve(app):
        yield client


@pytest.fixture
async def anonymous(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async for client in serve(app, token=None):
        yield client

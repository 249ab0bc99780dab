"""An app on a throwaway ledger, driven in-process through httpx's ASGI transport."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from adapter.api import create_app
from adapter.settings import Settings, load_settings

TOKEN = "test-token-0123456789abcdef"
NOTIFY_TOKEN = "notify-token-fedcba9876543210"
EXAMPLE = (
    Path(__file__).parents[3]
    / "examples"
    / "cases"
    / "CM-2008-transitional-care-just-referred.json"
)


def referred_case(case_id: str = "API-1") -> dict[str, Any]:
    """A small valid case (just referred) under ``case_id``."""
    data: dict[str, Any] = json.loads(EXAMPLE.read_text())
    data["id"] = case_id
    return copy.deepcopy(data)


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


async def serve(app: FastAPI, token: str | None = TOKEN) -> AsyncIterator[httpx.AsyncClient]:
    """Run the app's lifespan and yield a client speaking to it in-process."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://adapter.test", headers=headers
        ) as client:
            yield client


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async for client in serve(app):
        yield client


@pytest.fixture
async def anonymous(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async for client in serve(app, token=None):
        yield client

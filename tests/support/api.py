"""The service driven in-process through httpx's ASGI transport: tokens, a small case, serve()."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

TOKEN = "test-token-0123456789abcdef"
NOTIFY_TOKEN = "notify-token-fedcba9876543210"
EXAMPLE = (
    Path(__file__).parents[2]
    / "examples"
    / "cases"
    / "CM-2008-transitional-care-just-referred.json"
)


def referred_case(case_id: str = "API-1") -> dict[str, Any]:
    """A small valid case (just referred) under ``case_id``."""
    data: dict[str, Any] = json.loads(EXAMPLE.read_text())
    data["id"] = case_id
    return copy.deepcopy(data)


async def serve(app: FastAPI, token: str | None = TOKEN) -> AsyncIterator[httpx.AsyncClient]:
    """Run the app's lifespan and yield a client speaking to it in-process."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://adapter.test", headers=headers
        ) as client:
            yield client

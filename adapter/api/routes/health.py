"""``GET /health``: is the process up, and does the ledger answer? No authentication."""

from __future__ import annotations

import asyncio
import logging
from typing import Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel

from adapter.api.deps import LedgerDep
from adapter.errors import LedgerError

__all__ = ["Health", "router"]

log = logging.getLogger("adapter.api")

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    ledger: Literal["ok", "unavailable"]


@router.get("/health", response_model=Health)
async def health(ledger: LedgerDep, response: Response) -> Health:
    """200 when the ledger answers a read, else 503 (the process itself is alive either way)."""
    try:
        await asyncio.to_thread(ledger.runs, 1)
    except LedgerError as exc:
        log.warning("health: ledger unavailable (%s)", exc.operation or type(exc).__name__)
        response.status_code = 503
        return Health(status="degraded", ledger="unavailable")
    return Health(status="ok", ledger="ok")

"""Health without authentication: ``/health`` (the ledger answers), ``/health/live`` (the
process answers) and ``/health/ready`` (the ledger and the FHIR server answer)."""

from __future__ import annotations

import asyncio
import logging
from typing import Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel

from adapter.api.deps import LedgerDep, SettingsDep
from adapter.errors import FHIRError, LedgerError
from adapter.fhir import probe_capabilities

__all__ = ["Health", "Readiness", "router"]

log = logging.getLogger("adapter.api")

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    ledger: Literal["ok", "unavailable"]


class Readiness(Health):
    fhir_server: Literal["ok", "unavailable"]


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


@router.get("/health/live")
async def live() -> dict[str, str]:
    """200 while the process answers at all (for a liveness probe: restart when it does not)."""
    return {"status": "ok"}


@router.get("/health/ready", response_model=Readiness)
async def ready(ledger: LedgerDep, settings: SettingsDep, response: Response) -> Readiness:
    """200 when the ledger answers a read and the FHIR server its CapabilityStatement (one
    attempt), else 503: a readiness probe keeps traffic away until both are there."""
    ledger_state: Literal["ok", "unavailable"] = "ok"
    server_state: Literal["ok", "unavailable"] = "ok"
    try:
        await asyncio.to_thread(ledger.runs, 1)
    except LedgerError:
        ledger_state = "unavailable"
    try:
        await probe_capabilities(settings)
    except FHIRError as exc:
        log.warning("ready: FHIR server unavailable (%s)", type(exc).__name__)
        server_state = "unavailable"
    fine = ledger_state == server_state == "ok"
    if not fine:
        response.status_code = 503
    return Readiness(
        status="ok" if fine else "degraded", ledger=ledger_state, fhir_server=server_state
    )

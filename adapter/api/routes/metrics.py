"""``GET /metrics``: the app's Prometheus registry, in the text exposition format."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from adapter.api.deps import LedgerDep, MetricsDep

__all__ = ["router"]

router = APIRouter(tags=["metrics"])


@router.get("/metrics", response_class=Response)
async def metrics(ledger: LedgerDep, telemetry: MetricsDep) -> Response:
    """Request counts, run and case totals, and the ledger's open dead letters and conflicts."""
    telemetry.ledger_state(await asyncio.to_thread(ledger.counts))
    return Response(generate_latest(telemetry.registry), media_type=CONTENT_TYPE_LATEST)

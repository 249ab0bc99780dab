"""``/sync``: start a push of stored cases in the background, and follow runs in the ledger."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Path, Query
from pydantic import BaseModel, Field, StringConstraints

from adapter.api.background import RunInProgress
from adapter.api.deps import LedgerDep, StateDep, read_or_404
from adapter.api.runner import CASE_ID_PATTERN, start_push
from adapter.api.schemas import errors

__all__ = ["RunStarted", "RunView", "SyncRequest", "router"]

router = APIRouter(prefix="/sync", tags=["sync"])


class SyncRequest(BaseModel):
    """Which stored cases to push; no body (or no ``case_ids``) means all of them."""

    model_config = {"extra": "forbid"}

    case_ids: list[Annotated[str, StringConstraints(pattern=CASE_ID_PATTERN)]] | None = Field(
        default=None, min_length=1, max_length=10_000, description="case ids in the case store"
    )


class RunStarted(BaseModel):
    run_id: int
    kind: str
    status_url: str


class RunView(BaseModel):
    """A run as the ledger records it (``cases_total`` is unknown until planned)."""

    model_config = {"from_attributes": True}

    id: int
    kind: str
    status: str
    server_url: str
    started_at: datetime
    finished_at: datetime | None
    cases_total: int | None
    cases_ok: int
    cases_failed: int
    resources_written: int
    resources_unchanged: int
    summary: dict[str, Any] | None


@router.post("", status_code=202, response_model=RunStarted, responses=errors(404, 409, 502, 504))
async def start_sync(
    state: StateDep, request: Annotated[SyncRequest | None, Body()] = None
) -> RunStarted:
    """Push stored cases to the FHIR server in the background; 409 while a run is going."""
    case_ids = request.case_ids if request is not None else None
    try:
        run_id = await start_push(state, case_ids)
    except RunInProgress as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from None
    return RunStarted(run_id=run_id, kind="push", status_url=f"/sync/runs/{run_id}")


@router.get("/runs", response_model=list[RunView])
async def list_runs(
    ledger: LedgerDep, limit: Annotated[int, Query(ge=1, le=200)] = 20
) -> list[RunView]:
    """The latest runs of every kind (push, pull, import), newest first."""
    runs = await asyncio.to_thread(ledger.runs, limit)
    return [RunView.model_validate(run) for run in runs]


@router.get("/runs/{run_id}", response_model=RunView, responses=errors(404))
async def get_run(
    run_id: Annotated[int, Path(ge=1, le=2**63 - 1, description="the run's id")], ledger: LedgerDep
) -> RunView:
    """Status and counts of one run (push, pull or import), from the ledger."""
    return RunView.model_validate(await read_or_404(ledger.run, run_id, "run"))

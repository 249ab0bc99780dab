"""``/verify``: does the FHIR server hold what the ledger says? ``repair`` re-sends its losses."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException
from pydantic import BaseModel, Field, StringConstraints

from adapter.api.background import RunInProgress
from adapter.api.deps import StateDep
from adapter.api.runner import CASE_ID_PATTERN, start_push
from adapter.api.schemas import errors
from adapter.sync.push.verify import verify

__all__ = ["VerifyAnswer", "VerifyRequest", "router"]

router = APIRouter(prefix="/verify", tags=["verify"])


class VerifyRequest(BaseModel):
    """Which cases to check (none: every case the ledger knows), and whether to repair."""

    model_config = {"extra": "forbid"}

    case_ids: list[Annotated[str, StringConstraints(pattern=CASE_ID_PATTERN)]] | None = Field(
        default=None, min_length=1, max_length=10_000, description="case ids in the ledger"
    )
    repair: bool = Field(
        default=False,
        description="forget what the server lost and push those cases again from the case "
        "store, in the background (the answer names the run)",
    )


class CaseCheckView(BaseModel):
    case: str
    state: str = Field(description="ok, missing or changed")
    ok: bool
    missing: list[str] = Field(description="Type/id the server does not hold")
    changed: list[str] = Field(description="Type/id the server holds otherwise")
    older_on_server: int = Field(description="of the changed, older than the ledger's version")


class RepairRun(BaseModel):
    run_id: int
    status_url: str


class VerifyAnswer(BaseModel):
    server: str
    cases: int
    cases_ok: int
    resources: int
    missing: int
    changed: int
    unknown: int
    agrees: bool
    cases_not_ok: list[CaseCheckView]
    unknown_resources: list[str] = Field(description="ours on the server, not in the ledger")
    repair_run: RepairRun | None


@router.post("", response_model=VerifyAnswer, responses=errors(409, 422, 502, 504))
async def verify_server(
    state: StateDep, request: Annotated[VerifyRequest | None, Body()] = None
) -> dict[str, Any]:
    """Read back every resource the ledger claims (by ``_id``, in chunks) and compare presence,
    version and content hash: per case ok / missing / changed on the server, and resources of
    this installation the ledger does not know. With ``repair``, what is missing is forgotten
    and its cases are pushed again as a background run (409 while another run is going)."""
    asked = request or VerifyRequest()
    if asked.repair and (running := state.runs.current) is not None:
        raise HTTPException(status_code=409, detail=str(RunInProgress(running)))
    report = await verify(
        state.fhir, state.ledger, namespace=state.settings.namespace, case_ids=asked.case_ids
    )
    answer: dict[str, Any] = {
        **report.summary(),
        "cases_not_ok": [check.as_json() for check in report.cases if check.state != "ok"],
        "unknown_resources": [f"{kind}/{ident}" for kind, ident in report.unknown],
        "repair_run": None,
    }
    broken = [check for check in report.cases if check.missing or check.older]
    if asked.repair and broken:
        keys = [key for check in broken for key in (*check.missing, *check.older)]
        await asyncio.to_thread(state.ledger.forget, report.server, keys)
        try:
            run_id = await start_push(state, [check.case_id for check in broken])
        except RunInProgress as exc:
            raise HTTPException(status_code=409, detail=str(exc)) from None
        answer["repair_run"] = {"run_id": run_id, "status_url": f"/sync/runs/{run_id}"}
    return answer

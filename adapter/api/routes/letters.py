"""``/sync/dead-letters``: the cases that could not be synced, with the server's own words, and
``POST /sync/dead-letters/{id}/retry`` to push one again in the background (as ``adapter dlq
retry ID``: the letter is resolved when its case lands). ``server_says`` holds the server's
OperationOutcome issues as lines (severity, code, its text cut to 300 characters, location):
enough to see why (a transaction-size cap, a validation rule), too little to carry a resource.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query
from pydantic import BaseModel

from adapter.api.background import RunInProgress
from adapter.api.deps import LedgerDep, StateDep, read_or_404
from adapter.api.routes.sync import RunStarted
from adapter.api.runner import start_retry
from adapter.api.schemas import errors
from adapter.fhir.outcome import issue_line, trimmed
from adapter.sync.ledger import DeadLetter

__all__ = ["DeadLetterView", "router"]

router = APIRouter(prefix="/sync/dead-letters", tags=["sync"])


class DeadLetterView(BaseModel):
    id: int
    case_id: str
    server_url: str
    reason: str
    open: bool
    http_status: int | None
    server_code: str | None
    message: str | None
    server_says: list[str]
    attempts: int
    first_at: datetime
    last_at: datetime
    resolved_at: datetime | None
    resolution: str | None

    @classmethod
    def of(cls, letter: DeadLetter) -> DeadLetterView:
        issues = (trimmed(letter.operation_outcome) or {}).get("issue") or []
        return cls(
            id=letter.id,
            case_id=letter.case_id,
            server_url=letter.server_url,
            reason=letter.reason.value,
            open=letter.is_open,
            http_status=letter.http_status,
            server_code=letter.server_code,
            message=letter.message,
            server_says=[issue_line(issue) for issue in issues],
            attempts=letter.attempts,
            first_at=letter.first_at,
            last_at=letter.last_at,
            resolved_at=letter.resolved_at,
            resolution=letter.resolution,
        )


@router.get("", response_model=list[DeadLetterView])
async def list_letters(
    ledger: LedgerDep, include_resolved: Annotated[bool, Query()] = False
) -> list[DeadLetterView]:
    """Open dead letters of every server (``include_resolved=true``: all)."""
    letters = await asyncio.to_thread(ledger.dead_letters, None, open_only=not include_resolved)
    return [DeadLetterView.of(letter) for letter in letters]


LetterId = Annotated[int, Path(ge=1, le=2**63 - 1, description="the dead letter's id")]


@router.get("/{letter_id}", response_model=DeadLetterView, responses=errors(404))
async def get_letter(letter_id: LetterId, ledger: LedgerDep) -> DeadLetterView:
    """One dead letter, open or resolved."""
    return DeadLetterView.of(await read_or_404(ledger.dead_letter, letter_id, "dead letter"))


@router.post(
    "/{letter_id}/retry",
    status_code=202,
    response_model=RunStarted,
    responses=errors(404, 409, 502, 504),
)
async def retry_letter(letter_id: LetterId, state: StateDep) -> RunStarted:
    """Push the letter's case again in the background: its source file if it is still there
    (it may have been fixed), else the stored case. 409 when the letter is resolved, belongs to
    another FHIR server, or a run is going; 502/504 when the server does not answer."""
    letter = await read_or_404(state.ledger.dead_letter, letter_id, "dead letter")
    if not letter.is_open:
        detail = f"dead letter {letter_id} is already resolved ({letter.resolution})"
        raise HTTPException(status_code=409, detail=detail)
    if letter.server_url != state.fhir.base.url:
        detail = f"dead letter {letter_id} is for another FHIR server than this service's"
        raise HTTPException(status_code=409, detail=detail)
    try:
        run_id = await start_retry(state, letter)
    except RunInProgress as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from None
    return RunStarted(run_id=run_id, kind="push", status_url=f"/sync/runs/{run_id}")

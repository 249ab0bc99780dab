"""``/sync/dead-letters``: the cases that could not be synced, with the server's own words.

Read-only; replaying stays with ``adapter dlq retry``. ``server_says`` holds the server's
OperationOutcome issues as lines (severity, code, its text cut to 300 characters, location):
enough to see why (a transaction-size cap, a validation rule), too little to carry a resource.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from adapter.api.deps import LedgerDep, read_or_404
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


@router.get("/{letter_id}", response_model=DeadLetterView)
async def get_letter(letter_id: int, ledger: LedgerDep) -> DeadLetterView:
    """One dead letter, open or resolved."""
    return DeadLetterView.of(await read_or_404(ledger.dead_letter, letter_id, "dead letter"))

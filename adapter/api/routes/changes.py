"""``GET /changes``: the change feed, paged by cursor (docs/pull.md, "The change feed").

Each row is one field of a stored case that changed without the case-management system (a
pull, a push's merge, a conflict settled for the server), with the old and new values: patient
data, behind the bearer token like every route. A bad cursor is a 400 OperationOutcome.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from adapter.api.deps import LedgerDep
from adapter.errors import InputError
from adapter.sync.ledger.feed import ChangeRow, parse_cursor

__all__ = ["ChangeView", "ChangesPage", "router"]

router = APIRouter(prefix="/changes", tags=["changes"])

MAX_LIMIT = 1000


class ResourceRef(BaseModel):
    type: str | None
    id: str | None
    version: str | None


class ChangeView(BaseModel):
    cursor: int = Field(description="this row's cursor; give it as `since` to read after it")
    at: datetime
    server: str
    case_id: str
    run_id: int | None
    origin: str = Field(description="pull, push-merge or conflict-resolved-server")
    path: str = Field(description="the field in the case input format, e.g. tasks[1].status")
    old: Any
    new: Any
    resource: ResourceRef

    @classmethod
    def of(cls, row: ChangeRow) -> ChangeView:
        return cls.model_validate(row.to_dict())


class ChangesPage(BaseModel):
    changes: list[ChangeView]
    next_cursor: int = Field(description="give as `since` for the next page")
    more: bool = Field(description="whether rows after `next_cursor` were already there")


@router.get("", response_model=ChangesPage)
async def read_changes(
    ledger: LedgerDep,
    since: Annotated[str, Query(description="cursor: rows after it (0: from the start)")] = "0",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    case_id: Annotated[str | None, Query(max_length=255)] = None,
) -> ChangesPage:
    """The feed after ``since``, oldest first, at most ``limit`` rows."""
    try:
        cursor = parse_cursor(since)
    except InputError as exc:
        raise HTTPException(status_code=400, detail=f"since: {exc.reason}") from None
    rows = await asyncio.to_thread(ledger.changes_since, cursor, limit=limit + 1, case_id=case_id)
    page = rows[:limit]
    return ChangesPage(
        changes=[ChangeView.of(row) for row in page],
        next_cursor=page[-1].id if page else cursor,
        more=len(rows) > limit,
    )

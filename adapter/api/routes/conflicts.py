"""``/conflicts``: server changes the rules did not apply, and settling them
(:mod:`adapter.sync.conflicts`). Element paths and codes only, never values."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel

from adapter.api.deps import LedgerDep, SettingsDep
from adapter.api.routes.changes import ResourceRef
from adapter.errors import ConflictError, ConflictNotFound
from adapter.sync.conflicts import ConflictView, list_conflicts, resolve_conflict, show_conflict
from adapter.sync.namespace import resolve_namespace

__all__ = ["ConflictOut", "ResolveRequest", "router"]

router = APIRouter(prefix="/conflicts", tags=["conflicts"])


class ConflictResource(ResourceRef):
    local_version: str | None
    server_version: str | None


class ConflictOut(BaseModel):
    id: int
    case_id: str
    server: str
    resource: ConflictResource
    fields: list[str]
    kind: str
    message: str | None
    open: bool
    created_at: datetime
    resolved_at: datetime | None
    resolution: str | None
    server_side_kept: bool

    @classmethod
    def of(cls, view: ConflictView) -> ConflictOut:
        body = view.to_dict()
        body["resource"] = {
            "type": view.resource_type,
            "id": view.resource_id,
            "version": view.server_version,
            "local_version": view.local_version,
            "server_version": view.server_version,
        }
        return cls.model_validate(body)


class ResolveRequest(BaseModel):
    model_config = {"extra": "forbid"}

    take: Literal["server", "local"]


class Resolved(BaseModel):
    conflict: ConflictOut
    changed_paths: list[str]


@router.get("", response_model=list[ConflictOut])
async def list_route(
    ledger: LedgerDep,
    case_id: Annotated[str | None, Query(max_length=255)] = None,
    include_resolved: Annotated[bool, Query()] = False,
) -> list[ConflictOut]:
    """Open conflicts, oldest first (``include_resolved=true``: all)."""
    views = await asyncio.to_thread(
        list_conflicts, ledger, case_id=case_id, open_only=not include_resolved
    )
    return [ConflictOut.of(view) for view in views]


@router.get("/{conflict_id}", response_model=ConflictOut)
async def show_route(conflict_id: int, ledger: LedgerDep) -> ConflictOut:
    try:
        return ConflictOut.of(await asyncio.to_thread(show_conflict, ledger, conflict_id))
    except ConflictError as exc:
        raise _http(exc) from None


@router.post("/{conflict_id}/resolve", response_model=Resolved)
async def resolve_route(
    conflict_id: int, body: ResolveRequest, ledger: LedgerDep, settings: SettingsDep
) -> Resolved:
    """Settle an open conflict: ``server`` (the stored case gets the server's values) or
    ``local`` (the next push writes the local values). 404 unknown, 409 when it cannot be."""
    try:
        namespace = resolve_namespace(settings, ledger)
        done = await asyncio.to_thread(
            resolve_conflict, ledger, conflict_id, body.take, namespace=namespace
        )
    except ConflictError as exc:
        raise _http(exc) from None
    return Resolved(
        conflict=ConflictOut.of(done.conflict), changed_paths=[c.path for c in done.changes]
    )


def _http(exc: ConflictError) -> HTTPException:
    return HTTPException(
        status_code=404 if isinstance(exc, ConflictNotFound) else 409, detail=str(exc)
    )

"""``/cases``: put internal cases into the case store, read them back, and see their Bundle.

Case documents are patient data: they are never logged, and errors quote field paths only.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, HTTPException, Path, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from adapter.api.bodies import DecimalBodyRoute
from adapter.api.deps import LedgerDep, SettingsDep, StateDep
from adapter.api.errors import FHIR_JSON, invalid_input
from adapter.api.runner import CASE_ID_PATTERN
from adapter.api.schemas import CASE_BODY, CASE_RESPONSE, errors
from adapter.fhir import json_body
from adapter.mappings.bundle import case_to_bundle
from adapter.model import Case, case_problems, parse_case
from adapter.sync.documents import ClosureDocuments
from adapter.sync.intake import check_incoming, stored_version
from adapter.sync.ledger import Ledger
from adapter.sync.ledger.cases import API_SOURCE

__all__ = ["CaseStored", "router", "stored_document"]

log = logging.getLogger("adapter.api")

router = APIRouter(prefix="/cases", tags=["cases"], route_class=DecimalBodyRoute)

CaseId = Annotated[str, Path(pattern=CASE_ID_PATTERN, description="the case id")]


class CaseStored(BaseModel):
    id: str
    status: Literal["created", "updated", "unchanged"]
    kept: list[str] | None = None
    """Fields the case was behind on (a provider completed a task since the last export): the
    stored values were kept, e.g. ``tasks[1].status``. Absent when there were none."""


@router.post(
    "",
    response_model=CaseStored,
    response_model_exclude_none=True,
    status_code=201,
    responses={
        200: {"model": CaseStored, "description": "an existing case was replaced"},
        **errors(409, 413, 422),
    },
    openapi_extra=CASE_BODY,
)
async def put_case(
    document: Annotated[
        dict[str, Any], Body(description="one internal case (docs/input-format.md)")
    ],
    state: StateDep,
    response: Response,
) -> CaseStored | JSONResponse:
    """Validate one case (schema, rules, transitions from the stored version) and store it."""
    problems = case_problems(document)
    if problems:
        return invalid_input(problems)
    case = parse_case(document)
    stored = case.model_dump(mode="json", exclude_none=True)
    ledger = state.ledger
    # One writer at a time: the transition check reads the stored version, then replaces it.
    async with state.case_lock:
        if case.id in state.pushing:
            detail = f"case {case.id} is being pushed; send it again when the run has finished"
            raise HTTPException(status_code=409, detail=detail)
        previous, sent = await asyncio.to_thread(_previous, ledger, case.id)
        kept: list[str] | None = None
        accepted = case
        if previous is not None:
            # What the system sent last time tells a stale field from a change of its own.
            checked = check_incoming(case, previous, sent)
            accepted = checked.case
            kept = list(checked.rebased) or None
            stored = checked.case.model_dump(mode="json", exclude_none=True)
            if previous.model_dump(mode="json", exclude_none=True) == stored:
                await asyncio.to_thread(
                    ledger.put_case, case.id, stored, source=API_SOURCE, sent=document
                )
                response.status_code = 200
                return CaseStored(id=case.id, status="unchanged", kept=kept)
        await asyncio.to_thread(ledger.put_case, case.id, stored, source=API_SOURCE, sent=document)
    documents = ClosureDocuments.from_settings(state.settings)
    if documents is not None:  # ADAPTER_DOCUMENTS_ON_CLOSE: a closed version's document
        await asyncio.to_thread(documents.accepted, accepted)
    if previous is None:
        return CaseStored(id=case.id, status="created")
    response.status_code = 200
    return CaseStored(id=case.id, status="updated", kept=kept)


@router.get("/{case_id}", response_model=None, responses={**CASE_RESPONSE, **errors(404)})
async def get_case(case_id: CaseId, ledger: LedgerDep) -> JSONResponse:
    """The stored internal case, as accepted."""
    return JSONResponse(await asyncio.to_thread(stored_document, ledger, case_id))


@router.get(
    "/{case_id}/fhir",
    response_model=None,
    responses={
        200: {"description": "a transaction Bundle", "content": {FHIR_JSON: {}}},
        **errors(404, 422),
    },
)
async def get_case_bundle(case_id: CaseId, ledger: LedgerDep, settings: SettingsDep) -> Response:
    """The transaction Bundle a push of this case would send (in ``ADAPTER_NAMESPACE``), in the
    same bytes: decimals with the digits the case gave (``adapter.fhir.json_body``)."""
    case = parse_case(await asyncio.to_thread(stored_document, ledger, case_id))
    bundle = case_to_bundle(case, namespace=settings.namespace)
    return Response(json_body.dumps(bundle), media_type=FHIR_JSON)


def _previous(ledger: Ledger, case_id: str) -> tuple[Case | None, Case | None]:
    """The stored case, and the case as the case-management system last sent it."""
    found = ledger.get_case(case_id)
    if found is None:
        return None, None
    return stored_version(found.document), stored_version(found.sent)


def stored_document(ledger: Ledger, case_id: str) -> dict[str, Any]:
    """The stored case's document; 404 when the store has no valid version of it."""
    found = ledger.get_case(case_id)
    if found is None or found.document is None:
        raise HTTPException(status_code=404, detail=f"no case {case_id} in the case store")
    return found.document

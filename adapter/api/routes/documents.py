"""``GET /cases/{id}/document?kind=transition|episode``: a stored case as a FHIR document.

The same Bundle as ``adapter document``: built by the pure functions of
:mod:`adapter.mappings.documents` from the case as stored, in ``ADAPTER_NAMESPACE``, with
``fullUrl`` under ``ADAPTER_FHIR_BASE_URL``. The body is patient data: never logged.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from adapter.api.deps import LedgerDep, SettingsDep
from adapter.api.errors import FHIR_JSON
from adapter.api.routes.cases import stored_document
from adapter.api.runner import CASE_ID_PATTERN
from adapter.api.schemas import errors
from adapter.fhir import json_body
from adapter.mappings.documents import DocumentKind, case_document
from adapter.model import parse_case

__all__ = ["router"]

router = APIRouter(prefix="/cases", tags=["cases"])


@router.get(
    "/{case_id}/document",
    response_model=None,
    responses={
        200: {"description": "a document or collection Bundle", "content": {FHIR_JSON: {}}},
        **errors(404, 422),
    },
)
async def get_case_document(
    case_id: Annotated[str, Path(pattern=CASE_ID_PATTERN, description="the case id")],
    ledger: LedgerDep,
    settings: SettingsDep,
    kind: Annotated[
        DocumentKind,
        Query(description="transition: a transitions-of-care document; episode: every resource"),
    ] = DocumentKind.TRANSITION,
) -> Response:
    """The case as a FHIR ``document`` Bundle (``transition``) or a ``collection`` of every
    resource of the case (``episode``); the same case version gives the same bytes."""
    case = parse_case(await asyncio.to_thread(stored_document, ledger, case_id))
    bundle = case_document(
        case, kind, base_url=settings.fhir_base_url, namespace=settings.namespace
    )
    return Response(json_body.dumps(bundle), media_type=FHIR_JSON)

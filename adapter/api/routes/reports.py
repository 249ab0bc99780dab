"""``/reports/program``: program evaluation over the case store, as JSON or a MeasureReport."""

from __future__ import annotations

import asyncio
from datetime import date
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response
from fastapi.responses import JSONResponse

from adapter.api.deps import LedgerDep
from adapter.api.errors import FHIR_JSON
from adapter.api.schemas import errors
from adapter.fhir.json_body import dumps
from adapter.model.codes import ProgramType
from adapter.reports import ReportPeriod, cases_from_store, measure_report

__all__ = ["router"]

router = APIRouter(prefix="/reports", tags=["reports"])


class ReportFormat(StrEnum):
    JSON = "json"
    FHIR = "fhir"


@router.get("/program", response_model=None, responses=errors(400, 422))
async def program_report(
    ledger: LedgerDep,
    program: Annotated[
        ProgramType | None, Query(description="only this program (default: every program)")
    ] = None,
    start: Annotated[
        date | None, Query(alias="from", description="first day of the period (ISO date)")
    ] = None,
    end: Annotated[
        date | None, Query(alias="to", description="last day of the period (ISO date)")
    ] = None,
    fmt: Annotated[
        ReportFormat, Query(alias="format", description="json, or fhir for a MeasureReport")
    ] = ReportFormat.JSON,
) -> Response:
    """Program evaluation per program over the period, computed from every case in the case
    store: the same numbers as ``adapter report --from-ledger``. Records that are not valid
    cases are listed under ``skipped`` (JSON) and left out."""
    try:
        period = ReportPeriod(start, end)
    except ValueError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    found = await asyncio.to_thread(cases_from_store, ledger)
    report = found.report(period=period, program=program)
    if fmt is ReportFormat.FHIR:
        # dumps writes the amounts (Decimals) exactly as computed.
        return Response(dumps(measure_report(report)), media_type=FHIR_JSON)
    return JSONResponse(report.as_json())

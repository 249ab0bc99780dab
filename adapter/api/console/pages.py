"""``/console/``: the operations console's pages (server-rendered HTML, no JavaScript).

Reading: the overview (recent runs with counts), dead letters, open conflicts side by side, one
case's timeline. Acting (POST forms with a CSRF token): sign in and out, retry a dead letter,
take the server's or the local side of a conflict. Every page but the sign-in form needs the
session cookie (:mod:`adapter.api.console.session`); without it a page redirects to sign-in.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from adapter.api.console.actions import Take, find_conflict, push_case
from adapter.api.console.render import SignInFirst, back, page, sessions_of, signed_in
from adapter.api.console.session import Session, Sessions
from adapter.api.console.views import conflict_view, server_says
from adapter.api.deps import StateDep
from adapter.api.runner import CASE_ID_PATTERN
from adapter.errors import ConflictError
from adapter.sync.conflicts import resolve_conflict
from adapter.sync.namespace import resolve_namespace
from adapter.sync.timeline import case_timeline

__all__ = ["router"]

router = APIRouter(prefix="/console", include_in_schema=False)

SessionDep = Annotated[Session, Depends(signed_in)]
CsrfField = Annotated[str, Form(alias="csrf")]
CaseId = Annotated[str, Path(pattern=CASE_ID_PATTERN)]
_RUNS_SHOWN = 20


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_form(request: Request, failed: bool = False) -> Response:
    needs = sessions_of(request).needs_token
    status = 401 if failed else 200
    return page(request, "sign_in.html", None, status=status, failed=failed, needs_token=needs)


@router.post("/sign-in", response_model=None)
async def sign_in(request: Request, token: Annotated[str, Form()] = "") -> Response:
    sessions = sessions_of(request)
    if not sessions.sign_in(request, token):
        return RedirectResponse("/console/sign-in?failed=true", status_code=303)
    response = RedirectResponse("/console/", status_code=303)
    sessions.start(request, response)
    return response


@router.post("/sign-out", response_model=None)
async def sign_out(session: SessionDep, csrf: CsrfField) -> Response:
    _check_csrf(session, csrf)
    response = RedirectResponse("/console/sign-in", status_code=303)
    Sessions.end(response)
    return response


@router.get("/", response_class=HTMLResponse)
async def overview(request: Request, state: StateDep, session: SessionDep) -> Response:
    ledger = state.ledger
    runs = await asyncio.to_thread(ledger.runs, _RUNS_SHOWN)
    counts = await asyncio.to_thread(ledger.counts, None)
    return page(request, "overview.html", session, runs=runs, counts=counts)


@router.get("/dead-letters", response_class=HTMLResponse)
async def dead_letters(request: Request, state: StateDep, session: SessionDep) -> Response:
    letters = await asyncio.to_thread(state.ledger.dead_letters, None)
    rows = [(letter, server_says(letter.operation_outcome)) for letter in letters]
    return page(request, "dead_letters.html", session, rows=rows)


@router.post("/dead-letters/{letter_id}/retry", response_model=None)
async def retry(
    letter_id: int, request: Request, state: StateDep, session: SessionDep, csrf: CsrfField
) -> Response:
    _check_csrf(session, csrf)
    letter = await asyncio.to_thread(state.ledger.dead_letter, letter_id)
    if letter is None:
        return _not_found(request, session, f"No dead letter {letter_id}.")
    here = "/console/dead-letters"
    if not letter.is_open:
        return back(request, here, f"Dead letter {letter_id} is already resolved.")
    started = await push_case(state, letter.case_id)
    return back(request, here, _started(started, f"Retrying case {letter.case_id}"))


@router.get("/conflicts", response_class=HTMLResponse)
async def conflicts(request: Request, state: StateDep, session: SessionDep) -> Response:
    ledger, settings = state.ledger, state.settings
    views = []
    for conflict in await asyncio.to_thread(ledger.conflicts):
        stored = await asyncio.to_thread(ledger.get_case, conflict.case_id)
        views.append(
            await conflict_view(
                conflict,
                stored,
                fhir=state.fhir,
                server=settings.fhir_base_url,
                namespace=settings.namespace,
            )
        )
    return page(request, "conflicts.html", session, views=views)


@router.post("/conflicts/{conflict_id}/resolve", response_model=None)
async def resolve(
    conflict_id: int,
    request: Request,
    state: StateDep,
    session: SessionDep,
    csrf: CsrfField,
    take: Annotated[Take, Form()],
) -> Response:
    _check_csrf(session, csrf)
    conflict = await asyncio.to_thread(find_conflict, state.ledger, conflict_id)
    if conflict is None:
        return _not_found(request, session, f"No conflict {conflict_id}.")
    try:
        namespace = resolve_namespace(state.settings, state.ledger)
        await asyncio.to_thread(
            resolve_conflict, state.ledger, conflict_id, take, namespace=namespace
        )
    except ConflictError as exc:  # settled meanwhile, or the server's values were not kept
        return page(request, "message.html", session, status=409, text=str(exc))
    started = await push_case(state, conflict.case_id)
    what = f"Conflict {conflict_id} settled ({take} side); pushing case {conflict.case_id}"
    return back(request, "/console/conflicts", _started(started, what))


@router.get("/cases", response_model=None)
async def find_case(
    session: SessionDep, case_id: Annotated[str, Query(pattern=CASE_ID_PATTERN)]
) -> Response:
    return RedirectResponse(f"/console/cases/{case_id}", status_code=303)


@router.get("/cases/{case_id}", response_class=HTMLResponse)
async def case_page(
    case_id: CaseId, request: Request, state: StateDep, session: SessionDep
) -> Response:
    timeline = await asyncio.to_thread(case_timeline, state.ledger, case_id)
    status = 200 if timeline.known else 404
    said: dict[int, list[str]] = {
        attempt.id: server_says(attempt.operation_outcome) for attempt in timeline.attempts
    }
    return page(request, "case.html", session, status=status, timeline=timeline, said=said)


def _check_csrf(session: Session, presented: str) -> None:
    if not session.allows(presented):
        raise SignInFirst(forbidden=True)


def _not_found(request: Request, session: Session, text: str) -> Response:
    return page(request, "message.html", session, status=404, text=text)


def _started(started: int | str, what: str) -> str:
    if isinstance(started, int):
        return f"{what}: push run {started} started."
    return f"{what}: no push started: {started}"

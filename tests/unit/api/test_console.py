"""The console at /console/ in-process: sign-in, the session cookie, CSRF, and every page on a
ledger seeded by hand (the real-browser tests against HAPI are in tests/browser)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from adapter.api import create_app
from adapter.settings import Settings
from adapter.sync.ledger import Ledger, NewConflict, ReasonCode, ResourceKey, RunKind
from adapter.sync.ledger.cases import CM_OWNED_DISPUTE
from tests.support.api import TOKEN, referred_case

SERVER = "http://127.0.0.1:9/fhir"  # the unit tests' settings: nothing listens there
HAPI_1094 = "HAPI-1094: Resource Patient/ehr-1 not found, specified in path: EpisodeOfCare.patient"


@pytest.fixture
async def browser(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A cookie-keeping client with no bearer token, as a browser is."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://adapter.test") as c:
            yield c


async def _sign_in(browser: httpx.AsyncClient, token: str = TOKEN) -> str:
    """Sign in; the CSRF token the pages' forms carry."""
    answer = await browser.post("/console/sign-in", data={"token": token})
    assert (answer.status_code, answer.headers["location"]) == (303, "/console/")
    page = await browser.get("/console/")
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


def _ledger(app: FastAPI) -> Ledger:
    ledger: Ledger = app.state.adapter.ledger
    return ledger


def _stored(app: FastAPI, case_id: str, kind: RunKind) -> tuple[Ledger, int]:
    """A case in the case store and a run to record things under."""
    ledger = _ledger(app)
    ledger.put_case(case_id, referred_case(case_id), source="api")
    return ledger, ledger.start_run(kind, SERVER).id


async def test_pages_need_a_session_and_the_token_gives_one(browser, settings: Settings):
    for path in ("/console/", "/console/dead-letters", "/console/conflicts", "/console/cases/X"):
        answer = await browser.get(path)
        assert (answer.status_code, answer.headers["location"]) == (303, "/console/sign-in")
    # A bearer token is not a session: the console is for browsers, the API for scripts.
    bearer = await browser.get("/console/", headers={"Authorization": f"Bearer {TOKEN}"})
    assert bearer.status_code == 303

    refused = await browser.post("/console/sign-in", data={"token": "not-the-token-at-all"})
    assert refused.headers["location"] == "/console/sign-in?failed=true"
    assert not browser.cookies
    assert (await browser.get(refused.headers["location"])).status_code == 401

    answer = await browser.post("/console/sign-in", data={"token": TOKEN})
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("adapter_console=")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Path=/console" in cookie
    assert "Secure" not in cookie  # plain http on loopback; over https it is Secure
    overview = await browser.get("/console/")
    assert overview.status_code == 200
    assert f'<dd id="server">{settings.fhir_base_url}</dd>' in overview.text
    assert TOKEN not in overview.text
    assert TOKEN not in cookie
    assert "script-src" not in overview.headers["content-security-policy"]
    assert "default-src 'none'" in overview.headers["content-security-policy"]


async def test_the_cookie_is_secure_over_https(app):
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://adapter.test") as c:
            answer = await c.post("/console/sign-in", data={"token": TOKEN})
    assert "Secure" in answer.headers["set-cookie"]


async def test_a_forged_or_foreign_cookie_is_no_session(browser, settings: Settings):
    await _sign_in(browser)
    value = browser.cookies["adapter_console"]
    browser.cookies.set("adapter_console", value[:-2] + "xx", path="/console")
    assert (await browser.get("/console/")).status_code == 303
    # A session signed under another API token (the token was rotated) is over too.
    rotated = SecretStr("another-token-0123456789")
    other = create_app(settings.model_copy(update={"api_token": rotated}))
    async with other.router.lifespan_context(other):
        transport = httpx.ASGITransport(app=other)
        async with httpx.AsyncClient(transport=transport, base_url="http://adapter.test") as c:
            c.cookies.set("adapter_console", value, path="/console")
            assert (await c.get("/console/")).status_code == 303


async def test_forms_need_the_sessions_csrf_token(app, browser):
    csrf = await _sign_in(browser)
    for data in ({}, {"csrf": "forged"}):
        answer = await browser.post("/console/dead-letters/1/retry", data=data)
        assert answer.status_code in (403, 422)
    forged = await browser.post("/console/sign-out", data={"csrf": "forged"})
    assert forged.status_code == 403
    out = await browser.post("/console/sign-out", data={"csrf": csrf})
    assert out.headers["location"] == "/console/sign-in"
    assert (await browser.get("/console/")).status_code == 303


async def test_dead_letters_show_the_reason_and_the_servers_words(app, browser):
    ledger = _ledger(app)
    run = ledger.start_run(RunKind.PUSH, SERVER)
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "processing", "diagnostics": HAPI_1094}],
    }
    letter = ledger.record_failure(
        run.id, SERVER, "CON-1", reason=ReasonCode.DANGLING_REFERENCE, error_class="X",
        message="HTTP 400 HAPI-1094", outcome=outcome, status=400,
    )  # fmt: skip
    csrf = await _sign_in(browser)

    page = (await browser.get("/console/dead-letters")).text
    assert "dangling-reference" in page
    assert f"error processing: {HAPI_1094}" in page
    assert f'action="/console/dead-letters/{letter.id}/retry"' in page

    # The case is not in the case store: nothing can be pushed, and the page says why.
    retried = await browser.post(f"/console/dead-letters/{letter.id}/retry", data={"csrf": csrf})
    assert retried.status_code == 303
    shown = (await browser.get(retried.headers["location"])).text
    assert "no push started: not in the case store: CON-1" in shown
    # A notice is shown only as the console signed it: a crafted link shows nothing.
    crafted = await browser.get("/console/dead-letters?notice=Send+your+token+to+evil.example")
    assert "evil.example" not in crafted.text
    missing = await browser.post("/console/dead-letters/999/retry", data={"csrf": csrf})
    assert missing.status_code == 404


async def test_conflicts_side_by_side_and_what_this_build_can_settle(app, browser):
    ledger, run = _stored(app, "CON-2", RunKind.PULL)
    resource = ResourceKey("Goal", "cm-goal-1")
    disputed = NewConflict(resource, "1", "2", ("description",), {"kind": CM_OWNED_DISPUTE})
    ledger.record_pulled(run, SERVER, "CON-2", document=None, results=[],
                         conflicts=[disputed])  # fmt: skip
    ledger.record_merge(run, SERVER, "CON-2", ("Task", "cm-task-1"), local_version="1",
                        server_version="3", detail={"conflicts": ["description"]},
                        resolved=False)  # fmt: skip
    [pulled, merged] = ledger.conflicts()
    csrf = await _sign_in(browser)

    page = (await browser.get("/console/conflicts")).text
    assert f'id="conflict-{pulled.id}"' in page
    assert f'id="conflict-{merged.id}"' in page
    assert "<code>description</code>" in page
    assert "the server could not be read" in page  # nothing listens on the unit tests' server
    assert "the stored case no longer has this resource" in page  # the hand-made Task

    # The pulled conflict kept no server values (made by hand here): taking the server's side
    # is refused with the reason, and the conflict stays open.
    server = await browser.post(
        f"/console/conflicts/{pulled.id}/resolve", data={"csrf": csrf, "take": "server"}
    )
    assert server.status_code == 409
    assert "the server&#39;s values were not kept" in server.text
    assert ledger.conflict(pulled.id).resolved_at is None  # type: ignore[union-attr]
    # Taking the local side is settled in the ledger at once; the push that writes it back is
    # started (here the server is not there, and the page says so).
    started = await browser.post(
        f"/console/conflicts/{merged.id}/resolve", data={"csrf": csrf, "take": "local"}
    )
    assert started.status_code == 303
    shown = (await browser.get(started.headers["location"])).text
    assert "no push started" in shown
    settled = ledger.conflict(merged.id)
    assert settled is not None
    assert settled.resolution == "local-pending"
    again = await browser.post(
        f"/console/conflicts/{merged.id}/resolve", data={"csrf": csrf, "take": "local"}
    )
    assert again.status_code == 409
    assert "resolved already" in again.text
    bad = await browser.post(
        f"/console/conflicts/{pulled.id}/resolve", data={"csrf": csrf, "take": "both"}
    )
    assert bad.status_code == 422


async def test_the_case_page_is_the_explain_timeline(app, browser):
    ledger, run = _stored(app, "CON-3", RunKind.PUSH)
    ledger.record_failure(
        run, SERVER, "CON-3", reason=ReasonCode.RETRIES_EXHAUSTED, error_class="ServerError",
        message="HTTP 503", outcome=None, status=503,
    )  # fmt: skip
    await _sign_in(browser)

    page = await browser.get("/console/cases/CON-3")
    assert page.status_code == 200
    assert "<h1>Case CON-3</h1>" in page.text
    assert "HTTP 503" in page.text
    assert "retries-exhausted" in page.text
    assert (await browser.get("/console/cases/NOPE")).status_code == 404
    found = await browser.get("/console/cases", params={"case_id": "CON-3"})
    assert found.headers["location"] == "/console/cases/CON-3"
    assert (await browser.get("/console/cases", params={"case_id": "<x>"})).status_code == 422


async def test_without_authentication_loopback_signs_in_with_no_token(settings: Settings):
    open_settings = settings.model_copy(update={"api_token": None, "api_allow_no_auth": True})
    app = create_app(open_settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://adapter.test") as c:
            form = await c.get("/console/sign-in")
            assert 'name="token"' not in form.text
            assert (await c.post("/console/sign-in")).headers["location"] == "/console/"
            assert (await c.get("/console/")).status_code == 200
        elsewhere = httpx.ASGITransport(app=app, client=("192.0.2.7", 5000))
        async with httpx.AsyncClient(transport=elsewhere, base_url="http://adapter.test") as c:
            refused = await c.post("/console/sign-in")
            assert refused.headers["location"] == "/console/sign-in?failed=true"

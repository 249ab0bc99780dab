"""Bearer-token auth on every route but /health, and the refusal to run unprotected."""

from __future__ import annotations

import httpx
import pytest

from adapter.api import create_app
from adapter.api.security import Guard, check_bind
from adapter.errors import ConfigError
from adapter.settings import load_settings
from tests.support.api import NOTIFY_TOKEN, serve

PROTECTED = [
    ("GET", "/cases/API-1"),
    ("POST", "/cases"),
    ("GET", "/cases/API-1/fhir"),
    ("POST", "/sync"),
    ("GET", "/sync/runs/1"),
    ("GET", "/metrics"),
    ("POST", "/fhir/notify"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
async def test_protected_route_without_token_is_401(anonymous, method, path):
    response = await anonymous.request(method, path)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["issue"][0]["code"] == "login"


@pytest.mark.parametrize(("method", "path"), PROTECTED)
async def test_protected_route_with_wrong_token_is_401(anonymous, method, path):
    response = await anonymous.request(
        method, path, headers={"Authorization": "Bearer not-the-token"}
    )
    assert response.status_code == 401


async def test_token_must_use_the_bearer_scheme(anonymous, settings):
    token = settings.api_token.get_secret_value()
    response = await anonymous.get("/cases/API-1", headers={"Authorization": f"Basic {token}"})
    assert response.status_code == 401


async def test_health_needs_no_token(anonymous):
    response = await anonymous.get("/health")
    assert response.status_code == 200


async def test_notify_token_opens_notify_only(anonymous):
    headers = {"Authorization": f"Bearer {NOTIFY_TOKEN}"}
    assert (await anonymous.get("/metrics", headers=headers)).status_code == 401
    assert (await anonymous.post("/fhir/notify", headers=headers)).status_code == 200


def test_app_without_token_refuses_to_start(tmp_path):
    settings = load_settings(ledger_url=f"sqlite:///{tmp_path / 'l.db'}", api_token=None)
    with pytest.raises(ConfigError, match="ADAPTER_API_TOKEN"):
        create_app(settings)


def test_blank_token_counts_as_no_token(tmp_path):
    settings = load_settings(ledger_url=f"sqlite:///{tmp_path / 'l.db'}", api_token="  ")
    with pytest.raises(ConfigError, match="ADAPTER_API_TOKEN"):
        create_app(settings)


def test_no_auth_is_refused_on_a_public_address():
    settings = load_settings(api_token=None, api_allow_no_auth=True)
    check_bind(settings, "127.0.0.1")
    check_bind(settings, "::1")
    with pytest.raises(ConfigError, match="loopback only"):
        check_bind(settings, "0.0.0.0")


def test_a_token_allows_any_address():
    check_bind(load_settings(api_token="t" * 24), "0.0.0.0")


async def test_no_auth_mode_answers_loopback_callers_only(tmp_path):
    settings = load_settings(
        ledger_url=f"sqlite:///{tmp_path / 'l.db'}", api_token=None, api_allow_no_auth=True
    )
    app = create_app(settings)
    async for client in serve(app, token=None):
        assert (await client.get("/cases/NOPE")).status_code == 404
        remote = httpx.ASGITransport(app=app, client=("203.0.113.9", 4000))
        async with httpx.AsyncClient(transport=remote, base_url="http://x") as outside:
            assert (await outside.get("/cases/NOPE")).status_code == 401


def test_guard_accepts_either_configured_token():
    guard = Guard([load_settings(api_token="a" * 20).api_token, None], allow_no_auth=False)
    assert guard.admits("Bearer " + "a" * 20, client_host="203.0.113.9")
    assert guard.admits("bearer " + "a" * 20, client_host=None)
    assert not guard.admits("Bearer " + "a" * 19, client_host="127.0.0.1")
    assert not guard.admits(None, client_host="127.0.0.1")


async def test_openapi_schema_needs_the_token(app):
    async for client in serve(app, token=None):
        assert (await client.get("/openapi.json")).status_code == 401
    async for client in serve(app):
        schema = (await client.get("/openapi.json")).json()
    assert {"/cases", "/sync", "/fhir/notify", "/health", "/metrics"} <= set(schema["paths"])


@pytest.mark.parametrize("name", ["api_token", "notify_token"])
def test_a_short_token_is_refused(tmp_path, name):
    values = {"api_token": "a" * 32, name: "short-token"}
    settings = load_settings(ledger_url=f"sqlite:///{tmp_path / 'l.db'}", **values)
    with pytest.raises(ConfigError, match=f"ADAPTER_{name.upper()} is too short") as refused:
        check_bind(settings, "127.0.0.1")
    assert "short-token" not in str(refused.value)

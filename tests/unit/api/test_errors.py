"""Every failure leaves as an OperationOutcome; nothing unexpected leaks class, message or data."""

from __future__ import annotations

import logging

import pytest

from adapter import errors
from adapter.api.errors import status_for

SECRET = "Petrov-born-1940-01-25"


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (errors.InputError(record="case X", field="status", reason="bad"), 422),
        (errors.TransitionError(record="case X", field="status", current="a", requested="b"), 422),
        (errors.MappingError("no code", element="Goal.lifecycleStatus"), 422),
        (errors.ConfigError("no token"), 500),
        (errors.LedgerError("locked"), 503),
        (errors.FHIRTransportError("read timeout"), 504),
        (errors.UnsafeURLError("foreign next link"), 502),
        (errors.ResponseError("html"), 502),
        (errors.ServerError("boom", status=500), 502),
        (errors.RateLimited("slow down"), 502),
        (errors.AccessDenied("no", status=401), 502),
    ],
)
def test_each_adapter_error_has_its_status(error, status):
    assert status_for(error) == status


@pytest.fixture
def failing(app):
    """Mount a route that raises whatever the test hands it."""

    holder: dict[str, Exception] = {}

    async def boom():
        raise holder["error"]

    app.add_api_route("/boom", boom)
    return holder


async def test_unexpected_exception_is_a_generic_500(client, failing, caplog):
    failing["error"] = KeyError(SECRET)
    with caplog.at_level(logging.ERROR, logger="adapter.api"):
        response = await client.get("/boom")
    assert response.status_code == 500
    assert response.json()["resourceType"] == "OperationOutcome"
    assert SECRET not in response.text
    assert "KeyError" not in response.text
    assert "KeyError" in caplog.text
    assert SECRET not in caplog.text


async def test_config_error_is_500_with_a_safe_message(client, failing):
    failing["error"] = errors.ConfigError(f"bad setting {SECRET}")
    response = await client.get("/boom")
    assert response.status_code == 500
    assert SECRET not in response.text
    assert response.json()["issue"][0]["diagnostics"].startswith("the adapter is misconfigured")


async def test_fhir_status_error_is_502_without_the_servers_outcome(client, failing):
    outcome = {"resourceType": "OperationOutcome", "issue": [{"diagnostics": SECRET}]}
    failing["error"] = errors.InvalidResource(
        "rejected", status=400, outcome=outcome, server_code="HAPI-1094"
    )
    response = await client.get("/boom")
    assert response.status_code == 502
    assert "HAPI-1094" in response.text
    assert SECRET not in response.text


async def test_fhir_timeout_is_504(client, failing):
    failing["error"] = errors.FHIRTransportError("read timeout")
    assert (await client.get("/boom")).status_code == 504


async def test_unknown_route_is_404_outcome(client):
    response = await client.get("/nothing/here")
    assert response.status_code == 404
    assert response.json()["resourceType"] == "OperationOutcome"

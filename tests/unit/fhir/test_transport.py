"""The one seam: every httpx exception and every error status becomes the adapter's own error."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime

import httpx
import pytest

from adapter.errors import (
    AccessDenied,
    AdapterError,
    AmbiguousMatch,
    FHIRError,
    FHIRStatusError,
    FHIRTransportError,
    InvalidResource,
    PagingExpired,
    RateLimited,
    ResourceGone,
    ResourceInUse,
    ResourceNotFound,
    ResponseError,
    ServerError,
    UnsafeURLError,
    VersionConflict,
)
from adapter.fhir.retry import RetryPolicy
from adapter.fhir.transport import map_exception, retry_after_seconds

from .scripted import Script, client_for, fhir_json, outcome

ONE_TRY = RetryPolicy(max_attempts=1).no_wait()

HTTPX_EXCEPTIONS = sorted(
    (
        obj
        for _, obj in inspect.getmembers(httpx)
        if inspect.isclass(obj) and issubclass(obj, Exception)
    ),
    key=lambda cls: cls.__name__,
)


def _instance(cls: type[Exception]) -> Exception:
    request = httpx.Request("GET", "https://fhir.test/r4/Goal/1")
    if issubclass(cls, httpx.HTTPStatusError):
        return cls("x", request=request, response=httpx.Response(500, request=request))
    try:
        return cls("x")
    except TypeError:
        return cls()


def test_httpx_exceptions_are_all_discovered():
    names = {cls.__name__ for cls in HTTPX_EXCEPTIONS}
    assert {"ConnectTimeout", "ReadTimeout", "RemoteProtocolError", "InvalidURL"} <= names
    assert len(HTTPX_EXCEPTIONS) >= 25


@pytest.mark.parametrize("cls", HTTPX_EXCEPTIONS, ids=lambda c: c.__name__)
async def test_no_httpx_exception_escapes_the_client_unmapped(cls):
    script = Script(_instance(cls))
    async with client_for(script, policy=ONE_TRY) as client:
        with pytest.raises(AdapterError) as caught:
            await client.read("Goal", "1")
    assert isinstance(caught.value, FHIRError)
    assert isinstance(caught.value.__cause__, cls)
    assert not isinstance(caught.value, httpx.HTTPError)


@pytest.mark.parametrize(
    ("cls", "sent"),
    [
        (httpx.ConnectError, False),
        (httpx.ConnectTimeout, False),
        (httpx.PoolTimeout, False),
        (httpx.ReadTimeout, True),
        (httpx.WriteTimeout, True),
        (httpx.ReadError, True),
        (httpx.RemoteProtocolError, True),
    ],
)
def test_transport_errors_say_whether_the_request_left(cls, sent):
    error = map_exception(cls("x"), method="POST", url="https://fhir.test/r4/Goal")
    assert isinstance(error, FHIRTransportError)
    assert error.request_sent is sent


def test_foreign_non_httpx_exceptions_are_not_claimed():
    assert map_exception(KeyError("x"), method="GET", url=None) is None


@pytest.mark.parametrize(
    ("status", "diagnostics", "headers", "expected"),
    [
        (400, "HAPI-1094: Resource Goal/9 not found", {}, InvalidResource),
        (401, "no token", {}, AccessDenied),
        (403, "forbidden", {}, AccessDenied),
        (404, "HAPI-2001: Resource Goal/1 is not known", {}, ResourceNotFound),
        (409, "HAPI-0989: not the current version", {}, VersionConflict),
        (409, "HAPI-0550: HAPI-0515: Unable to delete Goal/1", {}, ResourceInUse),
        (410, "HAPI-2244: Resource was deleted", {}, ResourceGone),
        (410, "HAPI-0417: Search ID does not exist and may have expired", {}, PagingExpired),
        (412, "HAPI-0988: matched 2 resources", {}, AmbiguousMatch),
        (412, "precondition", {"If-Match": 'W/"2"'}, VersionConflict),
        (413, "HAPI-0528: too large", {}, FHIRStatusError),
        (422, "unprocessable", {}, InvalidResource),
        (429, "slow", {}, RateLimited),
        (500, "HAPI-2223: Timer already cancelled", {}, ServerError),
        (504, "gateway", {}, ServerError),
    ],
)
async def test_status_becomes_typed_error(status, diagnostics, headers, expected):
    script = Script(outcome(status, diagnostics))
    async with client_for(script, policy=ONE_TRY) as client:
        with pytest.raises(FHIRStatusError) as caught:
            await client._request("GET", "https://fhir.test/r4/Goal/1", headers=headers)
    assert type(caught.value) is expected
    assert caught.value.status == status
    assert caught.value.outcome is not None
    assert caught.value.issues[0]["diagnostics"] == diagnostics


async def test_uncoded_409_on_a_plain_delete_means_still_referenced():
    # HAPI 8.8 drops the HAPI-0515 code from this message.
    script = Script(outcome(409, "Unable to delete Patient/1 because at least one resource ..."))
    async with client_for(script, policy=ONE_TRY) as client:
        with pytest.raises(ResourceInUse):
            await client.delete("Patient", "1")


async def test_wrapped_hapi_codes_name_the_inner_cause():
    script = Script(outcome(409, "HAPI-0550: HAPI-0823: version constraint failure"))
    async with client_for(script, policy=ONE_TRY) as client:
        with pytest.raises(VersionConflict) as caught:
            await client.read("Goal", "1")
    assert caught.value.server_code == "HAPI-0823"
    assert caught.value.server_codes == ("HAPI-0550", "HAPI-0823")


async def test_invalid_resource_carries_fhirpath_locations():
    body = {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "error",
                "code": "required",
                "diagnostics": "Goal.lifecycleStatus: minimum required = 1",
                "expression": ["Goal.lifecycleStatus"],
                "location": ["Goal.lifecycleStatus", "Line[1] Col[2]"],
            }
        ],
    }
    script = Script(fhir_json(body, 422))
    async with client_for(script, policy=ONE_TRY) as client:
        with pytest.raises(InvalidResource) as caught:
            await client.create({"resourceType": "Goal"})
    assert caught.value.issues[0]["locations"][0] == "Goal.lifecycleStatus"


async def test_error_message_names_method_type_status_and_code_but_no_query():
    script = Script(outcome(412, "HAPI-0958: matched 2 with identifier=urn:mrn|SECRET"))
    async with client_for(script, policy=ONE_TRY) as client:
        with pytest.raises(AmbiguousMatch) as caught:
            await client.conditional_update(
                {"resourceType": "Goal"}, {"identifier": "urn:mrn|SECRET"}
            )
    assert str(caught.value) == "PUT Goal: HTTP 412 (HAPI-0958)"


async def test_error_status_without_outcome_still_types_the_error():
    script = Script(httpx.Response(502, text="<html>Bad Gateway</html>"))
    async with client_for(script, policy=ONE_TRY) as client:
        with pytest.raises(ServerError) as caught:
            await client.read("Goal", "1")
    assert caught.value.outcome is None
    assert caught.value.server_code is None


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, text="<html>login page</html>", headers={"Content-Type": "text/html"}),
        httpx.Response(200, json=[1, 2]),
        httpx.Response(200, json={"status": "ok"}),
    ],
)
async def test_a_success_that_is_not_fhir_is_a_response_error(answer):
    async with client_for(Script(answer), policy=ONE_TRY) as client:
        with pytest.raises(ResponseError):
            await client.read("Goal", "1")


async def test_capabilities_refuses_another_resource_type():
    script = Script(fhir_json({"resourceType": "Patient", "id": "x"}))
    async with client_for(script, policy=ONE_TRY) as client:
        with pytest.raises(ResponseError, match="CapabilityStatement"):
            await client.capabilities()


async def test_request_outside_the_base_is_refused_before_sending():
    script = Script()
    async with client_for(script, policy=ONE_TRY) as client:
        with pytest.raises(UnsafeURLError):
            await client._request("GET", "https://elsewhere.test/r4/Goal")
    assert script.requests == []


def _headers(**items: str) -> httpx.Headers:
    return httpx.Headers(items)


def test_retry_after_in_seconds():
    assert retry_after_seconds(_headers(**{"Retry-After": "12"})) == 12.0


def test_retry_after_as_http_date_is_relative_to_now():
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    headers = _headers(**{"Retry-After": "Thu, 01 Jan 2026 12:00:30 GMT"})
    assert retry_after_seconds(headers, now=lambda: now) == 30.0


def test_retry_after_in_the_past_is_zero_and_garbage_is_none():
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert (
        retry_after_seconds(
            _headers(**{"Retry-After": "Thu, 01 Jan 2026 11:00:00 GMT"}), now=lambda: now
        )
        == 0.0
    )
    assert retry_after_seconds(_headers(**{"Retry-After": "soon"})) is None
    assert retry_after_seconds(_headers()) is None


def test_azure_retry_after_ms():
    assert retry_after_seconds(_headers(**{"x-ms-retry-after-ms": "1500"})) == 1.5

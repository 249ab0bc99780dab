"""One readable line per server failure: the server's own status, a hint, no trace, no content."""

from __future__ import annotations

import httpx

from adapter.cli.failures import describe
from adapter.errors import FHIRTransportError
from adapter.fhir.transport import status_error

URL = "https://hapi.fhir.org/baseR4"


def _answer(status: int, body: str, content_type: str = "text/html") -> httpx.Response:
    request = httpx.Request("GET", f"{URL}/Goal?_tag=x")
    return httpx.Response(
        status, text=body, headers={"Content-Type": content_type}, request=request
    )


def test_a_down_server_is_named_with_its_status_and_a_hint():
    error = status_error(_answer(502, "<html>Bad Gateway</html>"), label="GET Goal")
    line = describe(error, URL)
    assert line.startswith(f"{URL} answered HTTP 502")
    assert "down or overloaded" in line
    assert "<html>" not in line


def test_rate_limiting_points_at_the_setting():
    assert "ADAPTER_FHIR_RATE_LIMIT" in describe(
        status_error(_answer(429, ""), label="GET Goal"), URL
    )


def test_the_server_code_is_shown_when_there_is_one():
    outcome = (
        '{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"processing",'
        '"diagnostics":"HAPI-0389: Resource is locked"}]}'
    )
    error = status_error(_answer(400, outcome, "application/fhir+json"), label="GET Goal")
    assert "HTTP 400 HAPI-0389" in describe(error, URL)


def test_an_unreachable_server_is_said_plainly():
    line = describe(FHIRTransportError("ConnectError during GET", request_sent=False), URL)
    assert line.startswith(f"cannot reach a FHIR server at {URL}")

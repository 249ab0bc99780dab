"""One readable line per server failure: the server's own status, a hint, no trace, no content."""

from __future__ import annotations

import socket

import httpx
from typer.testing import CliRunner

from adapter.cli import app
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


def test_sandbox_clean_against_nothing_fails_readably(tmp_path, monkeypatch):
    monkeypatch.setenv("ADAPTER_LEDGER_URL", f"sqlite:///{tmp_path / 'ledger.db'}")
    monkeypatch.setenv("ADAPTER_FHIR_RETRY__MAX_ATTEMPTS", "1")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = f"http://127.0.0.1:{port}/fhir"
    args = ["sandbox", "clean", "--server", server, "--namespace", "dev-x"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 3
    assert f"cannot reach a FHIR server at {server}" in result.stderr
    assert "Traceback" not in result.output


def test_sandbox_clean_refuses_a_malformed_namespace(tmp_path, monkeypatch):
    monkeypatch.setenv("ADAPTER_LEDGER_URL", f"sqlite:///{tmp_path / 'ledger.db'}")
    result = CliRunner().invoke(app, ["sandbox", "clean", "--namespace", "Bad|Name"])
    assert result.exit_code == 2
    assert "namespace" in result.stderr


def test_sandbox_clean_without_any_namespace_has_nothing_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("ADAPTER_LEDGER_URL", f"sqlite:///{tmp_path / 'ledger.db'}")
    monkeypatch.delenv("ADAPTER_NAMESPACE", raising=False)
    result = CliRunner().invoke(app, ["sandbox", "clean"])
    assert result.exit_code == 0
    assert "no namespace yet" in result.stdout

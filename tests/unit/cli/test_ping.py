"""``adapter ping`` error handling: exit codes and one readable line, never a traceback."""

from __future__ import annotations

import json

import httpx
import pytest
import respx
from typer.testing import CliRunner

from adapter.cli import app

SERVER = "https://fhir.test/r4"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ADAPTER_FHIR_BASE_URL", raising=False)
    monkeypatch.delenv("ADAPTER_ALLOW_INSECURE_HTTP", raising=False)


def _ping(*args: str):
    return CliRunner().invoke(app, ["ping", "--server", SERVER, *args])


@respx.mock
def test_html_answer_is_not_fhir_exit_3():
    respx.get(f"{SERVER}/metadata").mock(
        return_value=httpx.Response(
            200, text="<html>portal</html>", headers={"Content-Type": "text/html"}
        )
    )
    result = _ping()
    assert result.exit_code == 3
    assert "did not answer like a FHIR server" in result.stderr
    assert "Traceback" not in result.output


@respx.mock
def test_json_that_is_not_a_capability_statement_exit_3():
    respx.get(f"{SERVER}/metadata").mock(
        return_value=httpx.Response(200, json={"resourceType": "Patient"})
    )
    result = _ping()
    assert result.exit_code == 3
    assert "expected a CapabilityStatement" in result.stderr


@respx.mock
def test_error_status_exit_3():
    respx.get(f"{SERVER}/metadata").mock(return_value=httpx.Response(401))
    result = _ping()
    assert result.exit_code == 3
    assert "HTTP 401" in result.stderr


def test_insecure_server_url_is_a_config_error_exit_2():
    result = CliRunner().invoke(app, ["ping", "--server", "http://fhir.example.org/r4"])
    assert result.exit_code == 2
    assert "ADAPTER_ALLOW_INSECURE_HTTP" in result.stderr


@respx.mock
def test_json_output_summarises_the_statement():
    statement = {
        "resourceType": "CapabilityStatement",
        "fhirVersion": "4.0.1",
        "software": {"name": "Test Server", "version": "1.2"},
        "rest": [
            {"mode": "server", "resource": [{"type": "Goal", "interaction": [{"code": "read"}]}]}
        ],
    }
    route = respx.get(f"{SERVER}/metadata").mock(return_value=httpx.Response(200, json=statement))
    result = _ping("--json", "--no-write-check")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["server"], summary["software_name"]) == (SERVER, "Test Server")
    assert (summary["write"], summary["credentials"]) == (None, "no credentials")
    assert summary["profile"] is None  # no probes without the write check
    goal = next(r for r in summary["resources"] if r["resource_type"] == "Goal")
    assert goal["interactions"] == {
        "read": True,
        "create": False,
        "update": False,
        "search-type": False,
    }
    assert route.calls.last.request.headers["Accept"] == "application/fhir+json"

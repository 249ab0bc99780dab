"""``adapter ping`` against the real local HAPI server, and against nothing at all."""

from __future__ import annotations

import json
import socket

import pytest
from typer.testing import CliRunner

from adapter.cli import app
from adapter.fhir.capabilities import CASE_RESOURCES

pytestmark = pytest.mark.integration


def test_ping_reports_hapi_and_full_support_for_case_resources(fhir_base_url, tmp_path):
    ledger = f"sqlite:///{tmp_path / 'l.sqlite'}"
    result = CliRunner().invoke(
        app, ["ping", "--server", fhir_base_url, "--ledger", ledger, "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert "HAPI" in summary["software_name"]
    assert summary["fhir_version"].startswith("4.0")
    supported = {r["resource_type"]: r["interactions"] for r in summary["resources"]}
    assert set(supported) == set(CASE_RESOURCES)
    assert all(all(interactions.values()) for interactions in supported.values()), supported
    # The write probe: HAPI takes our writes and rejects the probe transaction, storing nothing
    # (tests/integration/test_auth_push.py checks that nothing is left).
    assert summary["write"]["verdict"] == "allowed"
    assert (summary["write"]["status"], summary["write"]["server_code"]) == (400, "HAPI-0535")


def test_ping_prints_a_table(fhir_base_url, tmp_path):
    ledger = f"sqlite:///{tmp_path / 'l.sqlite'}"
    result = CliRunner().invoke(app, ["ping", "--server", fhir_base_url, "--ledger", ledger])
    assert result.exit_code == 0, result.output
    for name in CASE_RESOURCES:
        assert name in result.stdout
    # the preflight's compatibility table and the choices (tests/integration/test_preflight.py)
    assert "compatibility" in result.stdout
    assert "atomic transactions" in result.stdout
    assert "pull: system-history" in result.stdout
    assert "push: one transaction per case (no cap up to 500 entries)" in result.stdout


def test_ping_to_a_closed_port_fails_readably():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = CliRunner().invoke(app, ["ping", "--server", f"http://127.0.0.1:{port}/fhir"])
    assert result.exit_code == 3
    assert f"cannot reach a FHIR server at http://127.0.0.1:{port}/fhir" in result.stderr
    assert "Traceback" not in result.output

"""``adapter sandbox``: the namespace it shows, and clean's answers when there is nothing to do."""

from __future__ import annotations

import socket

import pytest
from typer.testing import CliRunner

from adapter.cli import app


@pytest.fixture(autouse=True)
def own_ledger(tmp_path, monkeypatch):
    monkeypatch.setenv("ADAPTER_LEDGER_URL", f"sqlite:///{tmp_path / 'ledger.db'}")
    monkeypatch.delenv("ADAPTER_NAMESPACE", raising=False)


def test_namespace_is_created_once_then_shown_again_on_a_public_sandbox(monkeypatch):
    monkeypatch.setenv("ADAPTER_PROFILE", "public")
    first = CliRunner().invoke(app, ["sandbox", "namespace"])
    second = CliRunner().invoke(app, ["sandbox", "namespace"])
    assert first.exit_code == second.exit_code == 0
    assert first.stdout.startswith("sbx-")
    assert first.stdout == second.stdout


def test_no_namespace_on_a_server_of_our_own():
    result = CliRunner().invoke(app, ["sandbox", "namespace"])
    assert result.exit_code == 0
    assert result.stdout.startswith("(none:")


def test_namespace_setting_is_shown_as_is(monkeypatch):
    monkeypatch.setenv("ADAPTER_NAMESPACE", "dev-alice")
    assert CliRunner().invoke(app, ["sandbox", "namespace"]).stdout == "dev-alice\n"


def test_sandbox_clean_against_nothing_fails_readably(monkeypatch):
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


def test_sandbox_clean_refuses_a_malformed_namespace():
    result = CliRunner().invoke(app, ["sandbox", "clean", "--namespace", "Bad|Name"])
    assert result.exit_code == 2
    assert "namespace" in result.stderr


def test_sandbox_clean_without_any_namespace_has_nothing_to_do():
    result = CliRunner().invoke(app, ["sandbox", "clean"])
    assert result.exit_code == 0
    assert "no namespace yet" in result.stdout

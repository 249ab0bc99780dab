"""``adapter serve``: refuses to run unprotected, warns about plain HTTP off loopback."""

from __future__ import annotations

from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

from adapter.cli import app


@pytest.fixture
def launched(monkeypatch, tmp_path):
    """Record what would be handed to uvicorn instead of serving forever."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ADAPTER_LEDGER_URL", f"sqlite:///{tmp_path / 'ledger.db'}")
    for name in ("ADAPTER_API_TOKEN", "ADAPTER_API_ALLOW_NO_AUTH", "ADAPTER_NOTIFY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda service, **kw: calls.append({"app": service, **kw}))
    return calls


def test_serve_without_token_exits_2_with_a_clear_message(launched):
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 2
    assert "ADAPTER_API_TOKEN is not set" in result.stderr
    assert launched == []


def test_serve_defaults_to_loopback_port_8000(launched, monkeypatch):
    monkeypatch.setenv("ADAPTER_API_TOKEN", "x" * 32)
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 0, result.output
    assert (launched[0]["host"], launched[0]["port"]) == ("127.0.0.1", 8000)
    assert "warning" not in result.stderr


def test_serve_on_a_public_address_warns_about_tls(launched, monkeypatch):
    monkeypatch.setenv("ADAPTER_API_TOKEN", "x" * 32)
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", "--port", "9000"])
    assert result.exit_code == 0, result.output
    assert "TLS" in result.stderr
    assert launched[0]["port"] == 9000


def test_no_auth_on_a_public_address_is_refused(launched, monkeypatch):
    monkeypatch.setenv("ADAPTER_API_ALLOW_NO_AUTH", "true")
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "loopback only" in result.stderr
    assert launched == []


def test_no_auth_on_loopback_starts(launched, monkeypatch):
    monkeypatch.setenv("ADAPTER_API_ALLOW_NO_AUTH", "true")
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 0, result.output
    assert len(launched) == 1

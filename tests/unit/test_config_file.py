"""The TOML configuration file with named servers, and the warning for unknown variables."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adapter.cli import app
from adapter.errors import ConfigError
from adapter.settings import load_settings

CONFIG = """
ledger_url = "from-file.sqlite"  # a plain path: a SQLite file in the working directory
push_concurrency = 7

[fhir_retry]
max_attempts = 2

[servers.sandbox]
fhir_base_url = "http://127.0.0.1:8080/fhir"
namespace = "dev-sandbox"

[servers.prod]
fhir_base_url = "https://ehr.example.org/fhir/R4"
push_concurrency = 3
[servers.prod.fhir_auth]
kind = "client_credentials"
token_url = "https://ehr.example.org/oauth2/token"
client_id = "cm-adapter"
"""


@pytest.fixture
def config() -> Path:
    path = Path("adapter.toml")  # the hermetic fixture put us in an empty directory
    path.write_text(CONFIG)
    return path


def test_the_file_in_the_working_directory_is_read(config: Path):
    settings = load_settings()
    assert settings.ledger_url == f"sqlite:///{Path.cwd() / 'from-file.sqlite'}"
    assert (settings.push_concurrency, settings.fhir_retry.max_attempts) == (7, 2)
    assert settings.fhir_base_url == "http://127.0.0.1:8080/fhir"  # the default


def test_a_named_server_overrides_the_top_level_and_the_environment_overrides_both(
    config: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("ADAPTER_SERVER_NAME", "prod")
    monkeypatch.setenv("ADAPTER_FHIR_AUTH__CLIENT_SECRET", "from-the-environment")
    settings = load_settings()
    assert settings.fhir_base_url == "https://ehr.example.org/fhir/R4"
    assert settings.push_concurrency == 3
    assert settings.fhir_auth.kind == "client_credentials"
    assert settings.fhir_auth.client_id == "cm-adapter"
    assert settings.fhir_auth.client_secret is not None
    assert settings.fhir_auth.client_secret.get_secret_value() == "from-the-environment"
    monkeypatch.setenv("ADAPTER_PUSH_CONCURRENCY", "5")
    assert load_settings().push_concurrency == 5
    assert load_settings(ledger_url="sqlite:////tmp/flag.sqlite").ledger_url.endswith("flag.sqlite")


def test_an_unknown_server_name_is_a_config_error_naming_the_known_ones(
    config: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("ADAPTER_SERVER_NAME", "staging")
    with pytest.raises(ConfigError, match=r"no server named 'staging' \(known: prod, sandbox\)"):
        load_settings()


def test_a_named_file_must_exist_and_be_toml(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("ADAPTER_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match="ADAPTER_CONFIG: no such file"):
        load_settings()
    broken = tmp_path / "broken.toml"
    broken.write_text("ledger_url = \n")
    monkeypatch.setenv("ADAPTER_CONFIG", str(broken))
    with pytest.raises(ConfigError, match="not TOML"):
        load_settings()


def test_the_cli_takes_server_name_and_config(tmp_path: Path):
    other = tmp_path / "elsewhere.toml"
    other.write_text(CONFIG)
    result = CliRunner().invoke(
        app, ["--config", str(other), "--server-name", "sandbox", "sandbox", "namespace"]
    )
    assert (result.exit_code, result.stdout) == (0, "dev-sandbox\n")


def test_unknown_keys_and_variables_get_a_warning(
    config: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    config.write_text("push_concurency = 2\n" + CONFIG)
    monkeypatch.setenv("ADAPTER_FHIR_BASEURL_TYPO", "https://x")
    with caplog.at_level(logging.WARNING, logger="adapter.settings"):
        load_settings()
    assert "unknown settings ignored: push_concurency" in caplog.text
    assert "unknown setting ADAPTER_FHIR_BASEURL_TYPO ignored" in caplog.text


def test_the_file_is_read_by_pydantic_settings_toml_sources(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pydantic_settings import TomlConfigSettingsSource

    from adapter.config_file import file_sources
    from adapter.settings import Settings

    monkeypatch.setenv("ADAPTER_SERVER_NAME", "prod")
    chosen, top = file_sources(Settings)
    assert isinstance(chosen, TomlConfigSettingsSource)
    assert isinstance(top, TomlConfigSettingsSource)
    assert chosen.toml_table_header == ("servers", "prod")
    assert chosen()["push_concurrency"] == 3
    assert top()["push_concurrency"] == 7

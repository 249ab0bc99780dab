"""Settings: environment names, safe defaults, refusing plain http to remote hosts."""

from __future__ import annotations

import os

import pytest

from adapter.errors import ConfigError
from adapter.settings import Settings, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in list(os.environ):
        if name.startswith("ADAPTER_"):
            monkeypatch.delenv(name)


def test_defaults_point_at_the_local_hapi_with_tls_verification_on():
    settings = load_settings()
    assert settings.fhir_base_url == "http://127.0.0.1:8080/fhir"
    assert settings.fhir_verify_tls is True
    assert settings.allow_insecure_http is False
    assert settings.fhir_auth.kind == "none"
    assert settings.ledger_url.startswith("sqlite")


def test_environment_with_prefix_and_nested_delimiter(monkeypatch):
    monkeypatch.setenv("ADAPTER_FHIR_BASE_URL", "https://fhir.example.org/r4")
    monkeypatch.setenv("ADAPTER_FHIR_TIMEOUTS__READ", "90")
    monkeypatch.setenv("ADAPTER_FHIR_RETRY__MAX_ATTEMPTS", "3")
    monkeypatch.setenv("ADAPTER_FHIR_MAX_CONCURRENCY", "4")
    monkeypatch.setenv("ADAPTER_FHIR_AUTH__KIND", "client_credentials")
    monkeypatch.setenv("ADAPTER_FHIR_AUTH__TOKEN_URL", "https://auth.example.org/token")
    monkeypatch.setenv("ADAPTER_FHIR_AUTH__CLIENT_ID", "cm")
    monkeypatch.setenv("ADAPTER_FHIR_AUTH__CLIENT_SECRET", "hunter2")
    settings = load_settings()
    assert settings.fhir_base_url == "https://fhir.example.org/r4"
    assert (settings.fhir_timeouts.read, settings.fhir_timeouts.connect) == (90.0, 5.0)
    assert settings.fhir_retry.max_attempts == 3
    assert settings.fhir_max_concurrency == 4
    assert settings.fhir_auth.client_secret is not None
    assert settings.fhir_auth.client_secret.get_secret_value() == "hunter2"
    assert "hunter2" not in repr(settings)


@pytest.mark.parametrize("host", ["example.org", "10.0.0.5", "fhir.internal"])
def test_plain_http_to_a_remote_host_is_refused_naming_the_setting(host):
    with pytest.raises(ConfigError, match="ADAPTER_ALLOW_INSECURE_HTTP"):
        load_settings(fhir_base_url=f"http://{host}/fhir")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]", "127.0.0.2"])
def test_plain_http_to_loopback_is_allowed(host):
    assert load_settings(fhir_base_url=f"http://{host}:8080/fhir").fhir_base_url.startswith(
        "http://"
    )


def test_plain_http_to_a_remote_host_is_allowed_when_explicitly_asked(monkeypatch):
    monkeypatch.setenv("ADAPTER_ALLOW_INSECURE_HTTP", "true")
    assert load_settings(fhir_base_url="http://fhir.lan/r4").allow_insecure_http


@pytest.mark.parametrize("url", ["ftp://x/fhir", "not a url", "https://x/fhir?tenant=a"])
def test_malformed_base_urls_are_config_errors(url):
    with pytest.raises(ConfigError, match="ADAPTER_FHIR_BASE_URL"):
        load_settings(fhir_base_url=url)


def test_auth_kind_without_its_secrets_is_a_config_error_naming_them(monkeypatch):
    monkeypatch.setenv("ADAPTER_FHIR_AUTH__KIND", "bearer")
    with pytest.raises(ConfigError, match="ADAPTER_FHIR_AUTH__TOKEN"):
        load_settings()


def test_invalid_values_become_config_errors_without_echoing_input(monkeypatch):
    monkeypatch.setenv("ADAPTER_FHIR_RETRY__MAX_ATTEMPTS", "zero-please")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "fhir_retry.max_attempts" in str(caught.value)
    assert "zero-please" not in str(caught.value)


def test_settings_are_frozen():
    settings = Settings()
    with pytest.raises(Exception, match="frozen"):
        settings.fhir_base_url = "https://elsewhere"  # type: ignore[misc]


@pytest.mark.parametrize(
    "overrides",
    [
        {"fhir_base_url": "https://alice:hunter2-secret@fhir.example.org/r4"},
        {"fhir_base_url": "https://hunter2-secret@fhir.example.org/r4"},
        {
            "fhir_auth": {
                "kind": "client_credentials",
                "token_url": "https://alice:hunter2-secret@auth.example.org/token",
                "client_id": "c",
                "client_secret": "s",
            }
        },
    ],
)
def test_credentials_in_a_url_are_refused_without_echoing_them(overrides):
    with pytest.raises(ConfigError, match="must not carry credentials") as refused:
        load_settings(**overrides)
    assert "hunter2-secret" not in str(refused.value)

"""Politeness profile and namespace settings: what a public server gets, what the user overrides."""

from __future__ import annotations

import pytest

from adapter.errors import ConfigError
from adapter.politeness import PROFILES, politeness
from adapter.settings import load_settings
from tests.unit.test_settings import clean_env  # noqa: F401  (autouse: no ADAPTER_* leaks in)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/fhir", "http://localhost/fhir", "http://[::1]:8080/fhir"]
)
def test_loopback_servers_get_the_local_profile(url):
    assert politeness(load_settings(fhir_base_url=url)) == PROFILES["local"]


@pytest.mark.parametrize(
    "url", ["https://10.1.2.3/fhir", "https://ehr.hospital.example/fhir/R4", "https://fire.ly/x"]
)
def test_servers_other_than_known_public_sandboxes_get_normal_concurrency(url):
    assert politeness(load_settings(fhir_base_url=url)) == PROFILES["local"]


@pytest.mark.parametrize(
    "url", ["https://hapi.fhir.org/baseR4", "https://server.fire.ly/r4", "https://HAPI.FHIR.ORG./x"]
)
def test_known_public_sandboxes_get_the_public_profile(url):
    chosen = politeness(load_settings(fhir_base_url=url))
    assert chosen == PROFILES["public"]
    assert (chosen.max_concurrency, chosen.rate_limit) == (2, 5.0)
    assert chosen.timeouts.read >= 60


def test_the_profile_can_be_forced_either_way(monkeypatch):
    monkeypatch.setenv("ADAPTER_PROFILE", "public")
    assert politeness(load_settings()).profile == "public"
    monkeypatch.setenv("ADAPTER_PROFILE", "local")
    assert (
        politeness(load_settings(fhir_base_url="https://hapi.fhir.org/baseR4")).rate_limit is None
    )


def test_explicit_values_win_over_the_profile(monkeypatch):
    monkeypatch.setenv("ADAPTER_FHIR_MAX_CONCURRENCY", "1")
    monkeypatch.setenv("ADAPTER_FHIR_RATE_LIMIT", "0.5")
    monkeypatch.setenv("ADAPTER_FHIR_TIMEOUTS__READ", "300")
    chosen = politeness(load_settings(fhir_base_url="https://hapi.fhir.org/baseR4"))
    assert (chosen.max_concurrency, chosen.rate_limit) == (1, 0.5)
    assert chosen.timeouts.read == 300
    assert chosen.timeouts.connect == PROFILES["public"].timeouts.connect


def test_rate_limit_zero_means_no_limit_even_on_a_public_server(monkeypatch):
    monkeypatch.setenv("ADAPTER_FHIR_RATE_LIMIT", "0")
    assert (
        politeness(load_settings(fhir_base_url="https://hapi.fhir.org/baseR4")).rate_limit is None
    )


def test_unknown_profile_is_a_config_error(monkeypatch):
    monkeypatch.setenv("ADAPTER_PROFILE", "gentle")
    with pytest.raises(ConfigError, match="profile"):
        load_settings()


def test_namespace_setting_is_validated(monkeypatch):
    monkeypatch.setenv("ADAPTER_NAMESPACE", "dev-alice")
    assert load_settings().namespace == "dev-alice"
    monkeypatch.setenv("ADAPTER_NAMESPACE", "Alice|1")
    with pytest.raises(ConfigError, match="ADAPTER_NAMESPACE"):
        load_settings()

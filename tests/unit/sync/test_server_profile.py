"""The stored server profile fills in only what the settings leave open."""

from __future__ import annotations

import dataclasses

import pytest

from adapter.errors import ConfigError
from adapter.fhir.server_profile import ServerProfile
from adapter.settings import load_settings
from adapter.sync.server_profile import PROFILE_KEY_PREFIX, apply_profile, stored_profile

CAPPED = ServerProfile(
    server="http://127.0.0.1:8097/fhir",
    fhir_version="4.0.1",
    software_name="HAPI FHIR Server",
    software_version="8.8.0",
    learned_at="2026-12-05T13:00:00+00:00",
    max_transaction_entries=50,
    largest_probed=50,
    history_system=False,
    history_type=True,
)


def test_the_profile_chooses_what_the_settings_leave_open():
    chosen = apply_profile(load_settings(), CAPPED)
    assert (chosen.fhir_max_transaction_entries, chosen.pull_strategy) == (50, "type-history")


def test_explicit_settings_win_even_when_they_name_the_default(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setenv("ADAPTER_PULL_STRATEGY", "auto")
    monkeypatch.setenv("ADAPTER_FHIR_MAX_TRANSACTION_ENTRIES", "20")
    chosen = apply_profile(load_settings(), CAPPED)
    assert (chosen.fhir_max_transaction_entries, chosen.pull_strategy) == (20, "auto")


def test_a_server_without_a_cap_or_a_way_to_read_changes_changes_nothing():
    blind = ServerProfile(
        server="s", fhir_version=None, software_name=None, software_version=None,
        learned_at="t", largest_probed=500, identifier_search=False,
    )  # fmt: skip
    assert blind.pull_strategy is None
    assert apply_profile(load_settings(), blind) == load_settings()
    assert "pull: none (the server offers no way to read changes)" in blind.choices()


class Kept(dict[str, str]):
    def get_setting(self, key: str) -> str | None:
        return self.get(key)

    def set_setting(self, key: str, value: str) -> None:
        self[key] = value


def test_an_unreadable_stored_profile_is_no_profile(caplog: pytest.LogCaptureFixture):
    kept = Kept({PROFILE_KEY_PREFIX + "s": "{not json"})
    assert stored_profile(kept, "s") is None
    assert stored_profile(kept, "other") is None
    assert "run adapter ping again" in caplog.text


def test_a_server_refusing_client_ids_gets_server_ids_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch,
):
    refusing = dataclasses.replace(CAPPED, client_ids=False)
    assert apply_profile(load_settings(), refusing).fhir_id_strategy == "server"
    assert apply_profile(load_settings(), CAPPED).fhir_id_strategy == "auto"  # unknown: ours
    assert "push: server-assigned ids" in " ".join(refusing.choices())
    monkeypatch.setenv("ADAPTER_FHIR_ID_STRATEGY", "client")
    assert apply_profile(load_settings(), refusing).fhir_id_strategy == "client"


def test_a_non_atomic_server_without_provenance_is_written_to_accordingly(
    monkeypatch: pytest.MonkeyPatch,
):
    odd = dataclasses.replace(
        CAPPED, atomic=False, writable_types=["Basic", "EpisodeOfCare", "Goal", "Task"]
    )
    chosen = apply_profile(load_settings(), odd)
    assert chosen.fhir_atomic_transactions is False
    # only the types the adapter writes, the case's own always
    assert chosen.resource_types == "EpisodeOfCare,Goal,Patient,Task"
    monkeypatch.setenv("ADAPTER_FHIR_ATOMIC_TRANSACTIONS", "true")
    monkeypatch.setenv("ADAPTER_RESOURCE_TYPES", "Patient,EpisodeOfCare,Provenance")
    given = apply_profile(load_settings(), odd)
    assert (given.fhir_atomic_transactions, given.resource_types) == (
        True,
        "Patient,EpisodeOfCare,Provenance",
    )


def test_a_resource_selection_without_the_cases_own_types_is_refused(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setenv("ADAPTER_RESOURCE_TYPES", "Patient,Task")
    with pytest.raises(ConfigError, match="ADAPTER_RESOURCE_TYPES: EpisodeOfCare is required"):
        load_settings()

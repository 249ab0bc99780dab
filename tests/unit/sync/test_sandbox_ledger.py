"""The ledger side of sandbox mode: the stored namespace, and forgetting what a clean deleted."""

from __future__ import annotations

import pytest

from adapter.canonical import check_namespace
from adapter.settings import load_settings
from adapter.sync.ledger import Ledger, SyncedResource
from adapter.sync.namespace import NAMESPACE_KEY, new_namespace, resolve_namespace
from tests.support.ledger import SERVER

OTHER = "https://other.example.org/fhir"


def test_on_a_public_sandbox_a_random_namespace_is_created_once_and_kept(
    ledger: Ledger, caplog: pytest.LogCaptureFixture
):
    settings = load_settings(namespace=None, fhir_base_url="https://hapi.fhir.org/baseR4")
    first = resolve_namespace(settings, ledger)
    assert first is not None
    assert first.startswith("sbx-")
    assert check_namespace(first) == first
    assert f"ADAPTER_NAMESPACE={first}" in caplog.text  # the user is told how to keep it
    assert resolve_namespace(settings, ledger) == first
    assert ledger.get_setting(NAMESPACE_KEY) == first


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/fhir", "https://ehr.hospital.example/fhir/R4"]
)
def test_any_other_server_gets_no_namespace_unless_asked(ledger: Ledger, url: str):
    # A lost ledger then writes to the same deterministic ids: no second copy of any case.
    assert resolve_namespace(load_settings(namespace=None, fhir_base_url=url), ledger) is None
    assert ledger.get_setting(NAMESPACE_KEY) is None


def test_a_namespace_the_ledger_already_keeps_stays_in_use(ledger: Ledger):
    ledger.ensure_setting(NAMESPACE_KEY, "sbx-0123456789")
    settings = load_settings(namespace=None, fhir_base_url="http://127.0.0.1:8080/fhir")
    assert resolve_namespace(settings, ledger) == "sbx-0123456789"


def test_the_setting_wins_and_is_not_stored(ledger: Ledger):
    assert resolve_namespace(load_settings(namespace="dev-alice"), ledger) == "dev-alice"
    assert ledger.get_setting(NAMESPACE_KEY) is None


def test_new_namespaces_differ():
    assert len({new_namespace() for _ in range(20)}) == 20


def test_forget_drops_only_the_given_resources_on_that_server(ledger: Ledger, run_id: int):
    results = [SyncedResource("Goal", f"g{i}", "1", "0" * 64) for i in range(3)]
    ledger.record_success(run_id, SERVER, "CM-1", results)
    ledger.record_success(run_id, OTHER, "CM-1", results)
    assert ledger.forget(SERVER, [("Goal", "g0"), ("Goal", "g1"), ("Task", "g2")]) == 2
    assert set(ledger.known(SERVER, [("Goal", f"g{i}") for i in range(3)])) == {("Goal", "g2")}
    assert len(ledger.known(OTHER, [("Goal", f"g{i}") for i in range(3)])) == 3
    assert ledger.forget(SERVER, [("Goal", "g0")]) == 0

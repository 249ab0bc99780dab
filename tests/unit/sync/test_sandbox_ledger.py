"""The ledger side of sandbox mode: the stored namespace, and forgetting what a clean deleted."""

from __future__ import annotations

from adapter.canonical import check_namespace
from adapter.settings import load_settings
from adapter.sync.ledger import Ledger, SyncedResource
from adapter.sync.namespace import NAMESPACE_KEY, new_namespace, resolve_namespace
from tests.support.ledger import SERVER

OTHER = "https://other.example.org/fhir"


def test_without_a_setting_a_random_namespace_is_created_once_and_kept(ledger: Ledger):
    settings = load_settings(namespace=None)
    first = resolve_namespace(settings, ledger)
    assert first.startswith("sbx-")
    assert check_namespace(first) == first
    assert resolve_namespace(settings, ledger) == first
    assert ledger.get_setting(NAMESPACE_KEY) == first


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

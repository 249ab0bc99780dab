"""ADAPTER_IDENTIFIER_BASE: the hospital's own base for the adapter's identifier systems."""

from __future__ import annotations

import pytest

from adapter.canonical import DEFAULT_IDENTIFIER_BASE
from adapter.errors import ConfigError
from adapter.mappings.bundle import bundle_to_case, case_to_bundle, case_to_resources
from adapter.mappings.fingerprint import mapping_fingerprint
from adapter.mappings.identifiers import own_identifier
from adapter.model.validation import parse_case
from adapter.settings import load_settings
from tests.support.casefiles import example_data

BASE = "https://ehr.example.org/identifiers/case-management"


def test_identifier_systems_use_the_configured_base_and_read_back(
    monkeypatch: pytest.MonkeyPatch,
):
    case = parse_case(example_data("CM-2001"))
    plain_fingerprint = mapping_fingerprint("dev-a")
    monkeypatch.setenv("ADAPTER_IDENTIFIER_BASE", BASE + "/")
    load_settings()
    for namespace, prefix in ((None, f"{BASE}/"), ("dev-a", f"{BASE}/dev-a/")):
        resources = case_to_resources(case, namespace=namespace)
        own = [own_identifier(r) for r in resources if r["resourceType"] != "Provenance"]
        assert all(o is not None and o.system.startswith(prefix) for o in own)
        back = bundle_to_case(case_to_bundle(case, namespace=namespace), namespace=namespace)
        assert back == case
    assert mapping_fingerprint("dev-a") != plain_fingerprint  # a new base plans cases again


def test_identifiers_under_the_default_base_are_still_ours(monkeypatch: pytest.MonkeyPatch):
    case = parse_case(example_data("CM-2001"))
    before = case_to_resources(case, namespace="dev-a")  # written before the base was set
    monkeypatch.setenv("ADAPTER_IDENTIFIER_BASE", BASE)
    load_settings()
    found = own_identifier(before[0])
    assert found is not None
    assert found.system.startswith(DEFAULT_IDENTIFIER_BASE)
    assert (found.namespace, found.kind) == ("dev-a", "client")
    assert bundle_to_case(before, namespace="dev-a") == case


@pytest.mark.parametrize("bad", ["ehr.example.org/ids", "ftp://x/ids", "https://x/ids?q=1"])
def test_a_base_that_is_no_absolute_url_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch, bad: str
):
    monkeypatch.setenv("ADAPTER_IDENTIFIER_BASE", bad)
    with pytest.raises(ConfigError, match="ADAPTER_IDENTIFIER_BASE"):
        load_settings()

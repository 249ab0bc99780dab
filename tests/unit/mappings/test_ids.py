from __future__ import annotations

import subprocess
import sys
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapter.mappings.bundle import full_url
from adapter.mappings.ids import ID_NAMESPACE, is_valid_id, resource_id, uuid5_hex


def test_resource_id_is_pinned_so_existing_server_resources_keep_their_ids():
    # Changing the namespace or the hash input would orphan every resource already written.
    assert resource_id("case", "CM-1001") == "cm-case-21a87b2bc33350d5a03fe763"


def test_resource_id_is_the_same_in_a_fresh_interpreter():
    code = "from adapter.mappings.ids import resource_id; print(resource_id('goal', 'CM-7', 'G-1'))"
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    second = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert first.stdout.strip() == second.stdout.strip() == resource_id("goal", "CM-7", "G-1")


def test_resource_id_is_a_valid_non_numeric_fhir_id_without_the_internal_id():
    value = resource_id("community-health-worker", "X" * 64, "Y" * 64)
    assert is_valid_id(value)
    assert len(value) <= 64
    assert "X" not in value


def test_resource_id_separates_key_parts_unambiguously():
    assert resource_id("task", "a/b", "c") != resource_id("task", "a", "b/c")
    assert resource_id("task", "a", "b") != resource_id("goal", "a", "b")


@pytest.mark.parametrize(("kind", "key"), [("Case", ("x",)), ("case", ()), ("case", ("",))])
def test_resource_id_refuses_bad_kinds_and_empty_keys(kind, key):
    with pytest.raises(ValueError, match="resource"):
        resource_id(kind, *key)


@pytest.mark.parametrize(
    ("value", "valid"),
    [("cm-case-1", True), ("12345", False), ("a" * 65, False), ("a_b", False), ("a.b-C", True)],
)
def test_is_valid_id_follows_the_fhir_id_rule_and_hapi_numeric_rule(value, valid):
    assert is_valid_id(value) is valid


@given(st.text(max_size=80))
def test_uuid5_hex_is_exactly_uuid5(name: str):
    assert uuid5_hex(name) == uuid.uuid5(ID_NAMESPACE, name).hex


def test_full_url_is_the_uuid5_urn_of_type_and_id():
    resource = {"resourceType": "Goal", "id": "cm-goal-0123456789abcdef01234567"}
    expected = uuid.uuid5(ID_NAMESPACE, "Goal/cm-goal-0123456789abcdef01234567")
    assert full_url(resource) == f"urn:uuid:{expected}"

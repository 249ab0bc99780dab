"""Namespaced mapping output: own ids, own identifier systems, a tag, and the way back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from adapter.canonical import NAMESPACE_TAG_SYSTEM, check_namespace, identifier_system
from adapter.errors import MappingError
from adapter.mappings.bundle import bundle_to_case, case_to_bundle, case_to_resources
from adapter.mappings.context import RESOURCE_TYPES
from adapter.mappings.identifiers import split_identifier_system
from adapter.mappings.ids import namespaced_id, resource_id
from adapter.mappings.namespace import namespaces_of, select_namespace
from adapter.model.validation import parse_case

GOLDEN = Path(__file__).parents[2] / "golden"
CASES = [parse_case(json.loads(p.read_text())) for p in sorted(GOLDEN.glob("*.internal.json"))]
CASE = CASES[0]


def _resources(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [entry["resource"] for entry in bundle["entry"]]


def _strings(node: Any, key: str) -> list[str]:
    """Every string value of ``key`` anywhere in a JSON tree."""
    if isinstance(node, list):
        return [found for item in node for found in _strings(item, key)]
    if not isinstance(node, dict):
        return []
    own = [node[key]] if isinstance(node.get(key), str) else []
    return own + _strings(list(node.values()), key)


def _own_systems(bundle: dict[str, Any]) -> set[str]:
    return {s for s in _strings(bundle, "system") if split_identifier_system(s) is not None}


def test_no_namespace_leaves_the_plain_output_untouched():
    assert case_to_bundle(CASE, namespace=None) == case_to_bundle(CASE)
    assert not any("tag" in r.get("meta", {}) for r in case_to_resources(CASE))


def test_namespaced_id_is_pinned_and_differs_per_namespace():
    plain = resource_id("case", "CM-1001")
    assert resource_id("case", "CM-1001", namespace="sbx-a") == "cm-case-b4d41f6be9905a1388e477e6"
    assert namespaced_id(plain, "sbx-a") == resource_id("case", "CM-1001", namespace="sbx-a")
    assert len({plain, namespaced_id(plain, "sbx-a"), namespaced_id(plain, "sbx-b")}) == 3


def test_two_namespaces_share_no_id_and_no_identifier_system():
    one, two = case_to_bundle(CASE, namespace="dev-one"), case_to_bundle(CASE, namespace="dev-two")
    ids = [{(r["resourceType"], r["id"]) for r in _resources(b)} for b in (one, two)]
    assert ids[0].isdisjoint(ids[1])
    assert _own_systems(one).isdisjoint(_own_systems(two))
    assert {e["fullUrl"] for e in one["entry"]}.isdisjoint({e["fullUrl"] for e in two["entry"]})


def test_namespaced_bundle_is_stable():
    assert case_to_bundle(CASE, namespace="dev-one") == case_to_bundle(CASE, namespace="dev-one")


def test_every_identifier_system_carries_the_namespace_and_every_resource_the_tag():
    bundle = case_to_bundle(CASE, namespace="dev-one")
    assert _own_systems(bundle)
    assert all(split_identifier_system(s)[0] == "dev-one" for s in _own_systems(bundle))  # type: ignore[index]
    for resource in _resources(bundle):
        assert {"system": NAMESPACE_TAG_SYSTEM, "code": "dev-one"} in resource["meta"]["tag"]
        assert namespaces_of(resource) == {"dev-one"}


def test_profiles_survive_the_tag():
    episode = next(
        r for r in _resources(case_to_bundle(CASE, namespace="dev-one"))
        if r["resourceType"] == "EpisodeOfCare"
    )  # fmt: skip
    assert episode["meta"]["profile"]
    assert episode["id"] == resource_id("case", CASE.id, namespace="dev-one")


def test_every_reference_resolves_inside_the_namespaced_bundle():
    for case in CASES:
        resources = _resources(case_to_bundle(case, namespace="dev-one"))
        keys = {f"{r['resourceType']}/{r['id']}" for r in resources}
        for ref in _strings(resources, "reference"):
            assert ref.split("/_history/")[0] in keys, ref


@pytest.mark.parametrize("reading", ["dev-one", None])
def test_namespaced_bundle_maps_back_to_the_case(reading):
    for case in CASES:
        assert bundle_to_case(case_to_bundle(case, namespace="dev-one"), namespace=reading) == case


def test_reading_one_namespace_skips_the_others():
    mixed = _resources(case_to_bundle(CASE, namespace="dev-one")) + _resources(
        case_to_bundle(CASE, namespace="dev-two")
    )
    warnings: list[str] = []
    assert bundle_to_case(mixed, namespace="dev-two", warnings=warnings) == CASE
    assert len(warnings) == len(mixed) // 2
    assert all("another namespace" in w for w in warnings)
    with pytest.raises(MappingError, match="exactly one EpisodeOfCare"):
        bundle_to_case(mixed)


def test_reading_a_namespace_skips_plain_resources_but_keeps_foreign_ones():
    foreign = {"resourceType": "Observation", "id": "x1", "identifier": [{"system": "urn:x"}]}
    plain = [r for r in case_to_resources(CASE) if r["resourceType"] != "Provenance"]
    kept = select_namespace([*plain, foreign], namespace="dev-one", warnings=[])
    assert kept == [foreign]


def test_a_plain_provenance_has_no_namespace_mark_and_reads_as_foreign():
    # Provenance has no identifier element: outside a namespace nothing marks it as ours.
    (closure,) = [r for r in case_to_resources(CASES[0]) if r["resourceType"] == "Provenance"]
    assert namespaces_of(closure) == set()
    assert select_namespace([closure], namespace="dev-one", warnings=[]) == [closure]


def test_reading_restores_plain_systems_and_drops_only_the_namespace_tag():
    resource = case_to_resources(CASE, namespace="dev-one")[0]
    resource["meta"]["tag"].append({"system": "urn:other", "code": "keep"})
    (back,) = select_namespace([resource], namespace="dev-one", warnings=[])
    assert back["meta"]["tag"] == [{"system": "urn:other", "code": "keep"}]
    assert back["identifier"][0]["system"] == identifier_system("client")
    assert resource["meta"]["tag"][0]["system"] == NAMESPACE_TAG_SYSTEM


@pytest.mark.parametrize("bad", ["", "a", "Sbx", "sbx_1", "sbx|1", "-sbx", "x" * 41])
def test_invalid_namespaces_are_refused(bad):
    with pytest.raises(ValueError, match="namespace"):
        check_namespace(bad)
    with pytest.raises(ValueError, match="namespace"):
        identifier_system("case", namespace=bad)


def test_resource_types_cover_everything_a_case_maps_to():
    produced = {r["resourceType"] for case in CASES for r in case_to_resources(case)}
    assert produced == set(RESOURCE_TYPES)

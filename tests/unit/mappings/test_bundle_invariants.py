from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from hypothesis import HealthCheck, given, settings

from adapter.fhir import json_body
from adapter.mappings.bundle import bundle_to_case, case_to_bundle
from adapter.mappings.ids import is_valid_id
from tests.strategies import cases

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# R4B-only extension value types; R4 (what the adapter speaks) does not have them.
R4B_ONLY_KEYS = {"valueCodeableReference", "valueRatioRange"}


def _references(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["reference"]] if isinstance(node.get("reference"), str) else []
        return found + [r for value in node.values() for r in _references(value)]
    if isinstance(node, list):
        return [r for item in node for r in _references(item)]
    return []


def _keys(node: Any) -> set[str]:
    if isinstance(node, dict):
        return set(node) | {k for value in node.values() for k in _keys(value)}
    if isinstance(node, list):
        return {k for item in node for k in _keys(item)}
    return set()


@SETTINGS
@given(cases())
def test_bundle_round_trips_to_the_same_case(case):
    assert bundle_to_case(case_to_bundle(case)) == case


@SETTINGS
@given(cases())
def test_bundle_round_trips_through_json_text(case):
    back = bundle_to_case(json_body.loads(json_body.dumps(case_to_bundle(case))))
    assert back == case
    # Same digits too, not only equal values: Decimals dump as text in JSON mode.
    assert back.model_dump(mode="json") == case.model_dump(mode="json")


@SETTINGS
@given(cases())
def test_every_reference_resolves_inside_the_bundle(case):
    bundle = case_to_bundle(case)
    present = {e["request"]["url"] for e in bundle["entry"]}
    for entry in bundle["entry"]:
        for ref in _references(entry["resource"]):
            assert ref in present, (entry["request"]["url"], ref)


@SETTINGS
@given(cases())
def test_every_entry_is_an_idempotent_put_with_a_business_identifier(case):
    for entry in case_to_bundle(case)["entry"]:
        resource = entry["resource"]
        assert entry["request"] == {
            "method": "PUT",
            "url": f"{resource['resourceType']}/{resource['id']}",
        }
        assert is_valid_id(resource["id"])
        if resource["resourceType"] != "Provenance":  # R4 Provenance has no identifier
            assert resource["identifier"][0]["system"].startswith("https://fhir.cm-adapter.dev/")


@SETTINGS
@given(cases())
def test_every_resource_parses_as_the_r4b_model_and_uses_no_r4b_only_types(case):
    bundle = case_to_bundle(case)
    get_fhir_model_class("Bundle").model_validate(bundle)
    assert not _keys(bundle) & R4B_ONLY_KEYS


@settings(max_examples=10, deadline=None)
@given(cases())
def test_ids_are_stable_across_processes(case):
    script = (
        "import json,sys\n"
        "from adapter.model.case import Case\n"
        "from adapter.mappings.bundle import case_to_bundle\n"
        "case = Case.model_validate_json(sys.stdin.read())\n"
        "print(json.dumps([e['request']['url'] for e in case_to_bundle(case)['entry']]))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script],
        input=case.model_dump_json(),
        capture_output=True,
        text=True,
        check=True,
    )
    here = [e["request"]["url"] for e in case_to_bundle(case)["entry"]]
    assert json.loads(run.stdout) == here

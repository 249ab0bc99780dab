"""The mappings of issue 18 beyond the golden pairs: under a namespace, and foreign or broken
input read back."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from adapter.errors import MappingError
from adapter.fhir.json_body import dumps_text
from adapter.mappings.bundle import bundle_to_case, case_to_bundle
from adapter.mappings.extensions import RELATED_CASE, TASK_OWNER_HISTORY
from adapter.model.validation import parse_case

GOLDEN = Path(__file__).parents[2] / "golden"
PAYER = parse_case(json.loads((GOLDEN / "payer-rate-negotiation.internal.json").read_text()))
HOSPITAL = parse_case(json.loads((GOLDEN / "hospital-guardian-transfer.internal.json").read_text()))


def resources(bundle: dict[str, Any], resource_type: str) -> list[dict[str, Any]]:
    return [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == resource_type
    ]


def test_a_namespace_moves_the_related_case_identifier_and_reading_moves_it_back():
    bundle = case_to_bundle(HOSPITAL, namespace="sbx-1")
    (episode,) = resources(bundle, "EpisodeOfCare")
    (link,) = [e for e in episode["extension"] if e["url"] == RELATED_CASE]
    earlier = link["extension"][1]["valueReference"]["identifier"]
    assert earlier["system"].endswith("/sbx-1/case")
    assert earlier["value"] == "CM-1931"
    assert bundle_to_case(bundle, namespace="sbx-1") == HOSPITAL


def test_owner_history_references_move_into_the_namespace_with_the_members():
    bundle = case_to_bundle(PAYER, namespace="sbx-1")
    members = {f"Practitioner/{p['id']}" for p in resources(bundle, "Practitioner")}
    owners = [
        part["valueReference"]["reference"]
        for task in resources(bundle, "Task")
        for item in task.get("extension", [])
        if item["url"] == TASK_OWNER_HISTORY
        for part in item["extension"]
        if part["url"] == "owner"
    ]
    assert len(owners) == 4
    assert set(owners) <= members
    assert bundle_to_case(bundle, namespace="sbx-1") == PAYER


def test_money_keeps_its_digits_on_the_wire():
    text = dumps_text(case_to_bundle(PAYER))
    assert '"value": 48500.00' in text
    assert '"value": 16975.00' in text


def _payer_bundle() -> dict[str, Any]:
    return copy.deepcopy(case_to_bundle(PAYER))


def test_amounts_in_two_currencies_are_a_readable_error():
    bundle = _payer_bundle()
    task = next(t for t in resources(bundle, "Task") if any("valueMoney" in o for o in t["output"]))
    money = [o for o in task["output"] if "valueMoney" in o]
    money[0]["valueMoney"]["currency"] = "EUR"
    with pytest.raises(MappingError) as caught:
        bundle_to_case(bundle)
    assert "one currency" in str(caught.value)
    assert "Task.output.valueMoney.currency" in str(caught.value)


def test_a_related_case_without_its_identifier_is_a_readable_error():
    bundle = copy.deepcopy(case_to_bundle(HOSPITAL))
    (episode,) = resources(bundle, "EpisodeOfCare")
    (link,) = [e for e in episode["extension"] if e["url"] == RELATED_CASE]
    link["extension"][1]["valueReference"] = {"display": "the old case"}
    with pytest.raises(MappingError) as caught:
        bundle_to_case(bundle)
    assert "extension[related-case]" in str(caught.value)


def test_a_consent_the_client_gave_names_no_member():
    bundle = copy.deepcopy(case_to_bundle(HOSPITAL))
    patient = resources(bundle, "Patient")[0]
    for consent in resources(bundle, "Consent"):
        consent["performer"] = [{"reference": f"Patient/{patient['id']}"}]
    assert all(c.given_by_id is None for c in bundle_to_case(bundle).consents)

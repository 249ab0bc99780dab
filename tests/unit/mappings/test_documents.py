"""Documents of a case: the transitions-of-care document and the episode collection."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import pytest

from adapter.fhir import json_body
from adapter.mappings.bundle import case_to_resources
from adapter.mappings.documents import (
    DocumentKind,
    case_document,
    episode_bundle,
    transition_document,
)
from adapter.mappings.documents.stamp import as_of, instant
from adapter.model.validation import parse_case
from tests.support.casefiles import EXAMPLES, example_data

BASE = "https://ehr.example.org/fhir"
XHTML = "{http://www.w3.org/1999/xhtml}"
NARRATIVE_TAGS = {"div", "p", "b", "ul", "li", "table", "tr", "th", "td"}
ALL_EXAMPLES = sorted(p.name[:7] for p in EXAMPLES.glob("CM-*.json"))


def _transition(prefix: str, **changes: Any) -> dict[str, Any]:
    data = example_data(prefix)
    data.update(changes)
    return transition_document(parse_case(data), base_url=BASE)


def _by_url(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["fullUrl"]: e["resource"] for e in bundle["entry"]}


def _values(value: Any, key: str) -> Iterator[str]:
    """Every string under ``key`` anywhere in ``value`` (references, narrative divs)."""
    if isinstance(value, dict):
        if isinstance(value.get(key), str):
            yield value[key]
        for item in value.values():
            yield from _values(item, key)
    elif isinstance(value, list):
        for item in value:
            yield from _values(item, key)


def _references(value: Any) -> Iterator[str]:
    return _values(value, "reference")


def _sections(composition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["code"]["coding"][0]["code"]: s for s in composition["section"]}


def _divs(value: Any) -> Iterator[str]:
    return _values(value, "div")


def test_transition_document_is_led_by_a_final_transfer_summary_composition():
    bundle = _transition("CM-2001")
    assert bundle["type"] == "document"
    assert bundle["identifier"]["system"] == "urn:ietf:rfc:3986"
    assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", bundle["identifier"]["value"])
    composition = bundle["entry"][0]["resource"]
    assert composition["resourceType"] == "Composition"
    assert composition["status"] == "final"
    assert composition["type"]["coding"][0]["code"] == "18761-7"
    assert composition["category"][0]["coding"][0]["code"] == "18761-7"
    assert composition["date"] == bundle["timestamp"]
    resources = _by_url(bundle)
    subject = resources[f"{BASE}/{composition['subject']['reference']}"]
    assert subject["resourceType"] == "Patient"
    [author] = composition["author"]
    manager = resources[f"{BASE}/{author['reference']}"]
    assert manager["resourceType"] == "Practitioner"
    custodian = resources[f"{BASE}/{composition['custodian']['reference']}"]
    assert (custodian["resourceType"], custodian["name"]) == ("Organization", "Harbor Health Plan")


def test_sections_carry_the_plan_needs_referral_assessments_and_team():
    data = example_data("CM-2001")
    bundle = transition_document(parse_case(data), base_url=BASE)
    sections = _sections(bundle["entry"][0]["resource"])
    resources = _by_url(bundle)

    def targets(section: dict[str, Any]) -> list[str]:
        return [resources[f"{BASE}/{e['reference']}"]["resourceType"] for e in section["entry"]]

    plan = sections["74449-0"]
    assert targets(plan) == ["CarePlan"]
    [goals] = plan["section"]
    assert targets(goals) == ["Goal"] * len(data["plan"]["goals"])
    assert targets(sections["46019-6"]) == ["Condition"] * len(data["needs"])
    assert targets(sections["42349-1"]) == ["ServiceRequest"]
    assert targets(sections["54522-8"]) == ["Observation"] * len(data["assessments"])
    assert targets(sections["85847-2"]) == ["CareTeam"]
    for code in ("48765-2", "52471-0", "19146-0"):  # required by PACIO, not held by the case
        assert "entry" not in sections[code]
        assert sections[code]["emptyReason"]["coding"][0]["code"] == "unavailable"
    for section in sections.values():
        assert section["text"]["status"] == "generated"
    assert data["referral"]["reason"] in sections["42349-1"]["text"]["div"]


@pytest.mark.parametrize("prefix", ALL_EXAMPLES)
def test_every_reference_resolves_inside_the_document_and_every_entry_is_referenced(prefix):
    bundle = _transition(prefix)
    urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(urls) == len(set(urls))
    for entry in bundle["entry"]:
        resource = entry["resource"]
        assert entry["fullUrl"] == f"{BASE}/{resource['resourceType']}/{resource['id']}"
    referenced = {f"{BASE}/{r}" for e in bundle["entry"] for r in _references(e["resource"])}
    assert referenced <= set(urls), sorted(referenced - set(urls))
    assert set(urls[1:]) <= referenced  # nothing carried that the document does not reach


@pytest.mark.parametrize("prefix", ALL_EXAMPLES)
def test_narrative_is_well_formed_xhtml_of_allowed_elements(prefix):
    for div in _divs(_transition(prefix)):
        root = ET.fromstring(div)
        assert root.tag == f"{XHTML}div"
        assert {e.tag.removeprefix(XHTML) for e in root.iter()} <= NARRATIVE_TAGS


def test_case_text_is_escaped_never_markup():
    data = example_data("CM-2001")
    hostile = '<script>alert("x")</script> & <b onclick=1>\x01'
    data["needs"][0]["description"] = hostile
    data["referral"]["reason"] = hostile
    data["care_team"][0]["name"] = hostile
    bundle = transition_document(parse_case(data), base_url=BASE)
    for div in _divs(bundle["entry"][0]["resource"]):
        assert "<script" not in div
        assert "onclick=1>" not in div
        assert "\x01" not in div
        ET.fromstring(div)
    text = json.dumps(bundle["entry"][0]["resource"]["section"])
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b onclick=1&gt;" in text


def test_same_case_version_gives_the_same_bytes_whatever_order_it_came_in():
    data = example_data("CM-2005")
    shuffled = json.loads(json.dumps(data, sort_keys=True))
    for kind in DocumentKind:
        first = json_body.dumps(case_document(parse_case(data), kind, base_url=BASE))
        again = json_body.dumps(case_document(parse_case(shuffled), kind, base_url=BASE))
        assert first == again


def test_a_new_case_version_is_a_new_document_of_the_same_composition():
    data = example_data("CM-2005")
    before = transition_document(parse_case(data), base_url=BASE)
    data["needs"][0]["description"] = "Changed in a later version"
    after = transition_document(parse_case(data), base_url=BASE)
    assert before["identifier"] != after["identifier"]
    composition = before["entry"][0]["resource"]
    assert composition["identifier"] == after["entry"][0]["resource"]["identifier"]
    assert composition["id"] == after["entry"][0]["resource"]["id"]


def test_document_date_is_the_last_moment_the_case_records():
    case = parse_case(example_data("CM-2013"))
    assert case.closed_on is not None
    assert as_of(case).date() >= case.closed_on
    bundle = transition_document(case, base_url=BASE)
    assert bundle["timestamp"] == instant(as_of(case))
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", bundle["timestamp"])


def test_case_without_a_case_manager_is_authored_by_the_adapter_and_has_no_plan_yet():
    bundle = _transition("CM-2008")
    composition = bundle["entry"][0]["resource"]
    assert "custodian" not in composition
    [author] = composition["author"]
    assert _by_url(bundle)[f"{BASE}/{author['reference']}"]["resourceType"] == "Device"
    plan = _sections(composition)["74449-0"]
    assert "entry" not in plan
    assert plan["emptyReason"]["coding"][0]["code"] == "notstarted"


def test_a_client_linked_to_the_ehr_patient_travels_as_a_copy_under_the_ehr_id():
    data = example_data("CM-2001")
    data["client"]["fhir_id"] = "ehr-patient-17"
    bundle = transition_document(parse_case(data), base_url=BASE)
    composition = bundle["entry"][0]["resource"]
    assert composition["subject"] == {"reference": "Patient/ehr-patient-17"}
    patient = _by_url(bundle)[f"{BASE}/Patient/ehr-patient-17"]
    assert patient["resourceType"] == "Patient"


def test_namespaced_document_keeps_every_reference_resolvable():
    case = parse_case(example_data("CM-2002"))
    plain = transition_document(case, base_url=BASE)
    moved = transition_document(case, base_url=BASE, namespace="ns-doc-test")
    assert plain["identifier"] != moved["identifier"]
    urls = {e["fullUrl"] for e in moved["entry"]}
    assert {f"{BASE}/{r}" for e in moved["entry"] for r in _references(e["resource"])} <= urls
    assert not urls & {e["fullUrl"] for e in plain["entry"]}


def test_episode_bundle_is_every_resource_the_mapping_writes():
    case = parse_case(example_data("CM-2001"))
    bundle = episode_bundle(case, base_url=BASE + "/", namespace="ns-doc-test")
    assert bundle["type"] == "collection"
    assert [e["resource"] for e in bundle["entry"]] == case_to_resources(
        case, namespace="ns-doc-test"
    )
    for entry in bundle["entry"]:
        resource = entry["resource"]
        assert entry["fullUrl"] == f"{BASE}/{resource['resourceType']}/{resource['id']}"
    assert bundle["timestamp"] == transition_document(case, base_url=BASE)["timestamp"]

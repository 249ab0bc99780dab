"""Per-server resource selection: which types are left out, and how references to them go."""

from __future__ import annotations

from typing import Any

import pytest

from adapter.errors import ConfigError
from adapter.mappings.bundle import case_to_resources
from adapter.model.validation import parse_case
from adapter.sync.push.selection import (
    Selection,
    learn_refused,
    learned_refusals,
    parse_types,
    refused_types,
)
from adapter.sync.resources import reference_values
from adapter.sync.type_selection import WRITTEN_TYPES, left_out_reasons
from tests.support.casefiles import example_data


def ref(target: str) -> dict[str, str]:
    return {"reference": target}


def test_references_to_left_out_resources_go_with_the_item_or_element_holding_them():
    episode = {
        "resourceType": "EpisodeOfCare",
        "id": "e",
        "patient": ref("Patient/p"),
        "diagnosis": [{"condition": ref("Condition/c"), "rank": 1}],
        "team": [ref("CareTeam/t")],
    }
    task = {
        "resourceType": "Task",
        "id": "k",
        "for": ref("Patient/p"),
        "focus": ref("Condition/c"),
        "extension": [{"url": "x", "valueReference": ref("Condition/c")}, {"url": "y"}],
    }
    condition = {"resourceType": "Condition", "id": "c", "subject": ref("Patient/p")}
    patient = {"resourceType": "Patient", "id": "p"}
    kept, left = Selection(frozenset({"Condition"})).apply([patient, condition, episode, task])
    assert left == {"Condition": 1}
    assert kept[1] == {k: v for k, v in episode.items() if k != "diagnosis"}
    assert kept[2] == {"resourceType": "Task", "id": "k", "for": ref("Patient/p"),
                       "extension": [{"url": "y"}]}  # fmt: skip


def test_a_provenance_about_only_left_out_resources_is_left_out_too():
    plan = {"resourceType": "CarePlan", "id": "c"}
    provenance = {"resourceType": "Provenance", "id": "v", "target": [ref("CarePlan/c")],
                  "agent": [{"who": ref("Practitioner/x")}]}  # fmt: skip
    kept, left = Selection(frozenset({"CarePlan"})).apply([plan, provenance])
    assert (kept, left) == ([], {"CarePlan": 1, "Provenance": 1})


@pytest.mark.parametrize("case_id", ["CM-2001", "CM-2009", "CM-2013"])
@pytest.mark.parametrize(
    "left_out",
    [
        frozenset({"Observation", "Provenance"}),
        frozenset({"Observation", "Condition", "Goal", "Practitioner", "ServiceRequest"}),
    ],
)
def test_no_kept_resource_references_a_left_out_one(case_id: str, left_out: frozenset[str]):
    resources = case_to_resources(parse_case(example_data(case_id)))
    kept, left = Selection(left_out).apply(resources)
    assert not {r["resourceType"] for r in kept} & left_out
    assert sum(left.values()) + len(kept) == len(resources)
    assert not any(
        ref.split("/")[0] in left_out for resource in kept for ref in reference_values(resource)
    )
    # nothing emptied is sent: a server drops it, and its copy would hash differently
    assert not any(_emptied(resource) for resource in kept)


def _emptied(node: Any) -> bool:
    if isinstance(node, dict):
        return any(_emptied(value) for value in node.values())
    if isinstance(node, list):
        return any(item in ({}, []) or _emptied(item) for item in node)
    return False


def test_nothing_left_out_changes_nothing():
    resources = case_to_resources(parse_case(example_data("CM-2001")))
    assert Selection().apply(resources) == (resources, {})
    assert Selection().fingerprint("abc") == "abc"
    assert Selection(frozenset({"Goal"})).fingerprint("abc") != "abc"


def test_the_setting_is_checked_and_required_types_are_never_left_out():
    assert parse_types(None) is None
    with pytest.raises(ConfigError, match="Observaton is not a type"):
        parse_types("Patient,EpisodeOfCare,Observaton")
    with pytest.raises(ConfigError, match="EpisodeOfCare is required"):
        parse_types("Patient,Task")
    chosen = Selection.of({"Patient", "EpisodeOfCare", "Task"}, refused={"Goal", "Patient"})
    assert "Patient" not in chosen.left_out
    assert {"Goal", "CarePlan"} <= chosen.left_out


def test_only_a_not_supported_refusal_is_learned_per_server():
    def outcome(code: str) -> dict[str, Any]:
        return {"resourceType": "OperationOutcome", "issue": [{"code": code}]}

    failures = [
        (("Provenance", "v"), outcome("not-supported")),
        (("Goal", "g"), outcome("invalid")),  # may be about the case's own data
        (("EpisodeOfCare", "e"), outcome("not-supported")),  # required: never left out
        (("Task", "t"), None),
    ]
    assert refused_types(failures) == {"Provenance"}


def test_refusals_are_remembered_per_server():
    settings: dict[str, str] = {}

    class Store:
        def get_setting(self, key: str) -> str | None:
            return settings.get(key)

        def set_setting(self, key: str, value: str) -> None:
            settings[key] = value

    assert learn_refused(Store(), "https://a/fhir", {"Provenance"}) == {"Provenance"}
    assert learn_refused(Store(), "https://a/fhir", {"Goal"}) == {"Provenance", "Goal"}
    assert learned_refusals(Store(), "https://b/fhir") == frozenset()


def test_left_out_reasons_name_why_each_type_is_left_out():
    writable = WRITTEN_TYPES - {"Observation", "Provenance", "EpisodeOfCare"}
    assert left_out_reasons(None, writable, {"Coverage", "Patient"}) == {
        "Coverage": "refused earlier as not supported",
        "Observation": "not updatable here",
        "Provenance": "not updatable here",
    }  # required types never, even when the server declares no update for them
    # a server that lists no types says nothing; ADAPTER_RESOURCE_TYPES wins over the profile
    assert left_out_reasons(None, (), ()) == {}
    named = WRITTEN_TYPES - {"Consent"}
    assert left_out_reasons(named, writable, {"Provenance"}) == {
        "Consent": "not in ADAPTER_RESOURCE_TYPES",
        "Provenance": "refused earlier as not supported",
    }

"""Splitting one client's resources into cases: own identifiers, references both ways."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from adapter.mappings.bundle import bundle_to_case, case_to_resources
from adapter.sync.pull.grouping import group_cases, unlinked
from adapter.sync.resources import key_text as key_of
from adapter.sync.resources import own_case_id, reference_key
from tests.support.casefiles import example_case

FOREIGN = Path(__file__).resolve().parents[1] / "mappings" / "foreign"


def foreign(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FOREIGN / f"{name}.json").read_text())
    return loaded


def test_two_cases_of_one_client_split_back_into_the_same_cases():
    # One client (same example, same client id), two cases.
    first = example_case("CM-2001", "g1", client_suffix="shared")
    second = example_case("CM-2001", "g2", client_suffix="shared")
    mixed = case_to_resources(first) + case_to_resources(second)
    groups = {group.case_id: group for group in group_cases(mixed)}
    assert set(groups) == {first.id, second.id}
    assert bundle_to_case(groups[first.id].resources) == first
    assert bundle_to_case(groups[second.id].resources) == second


def test_the_shared_patient_and_its_preferences_join_every_case_of_the_client():
    first = example_case("CM-2001", "g3", client_suffix="same")
    second = example_case("CM-2001", "g4", client_suffix="same")
    groups = group_cases(case_to_resources(first) + case_to_resources(second))
    patient_keys = [
        {key_of(r) for r in g.resources if r["resourceType"] == "Patient"} for g in groups
    ]
    assert patient_keys[0] == patient_keys[1] != set()
    preferences = len(first.client.preferences)
    assert preferences > 0
    for group in groups:
        kinds = [own_case_id(r) for r in group.resources if r["resourceType"] == "Observation"]
        assert kinds.count(None) >= preferences  # client records carry no case id


def test_foreign_resources_join_by_references_both_ways():
    episode = foreign("episodeofcare")
    plan = copy.deepcopy(foreign("careplan"))
    plan["extension"] = [
        {
            "url": "http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare",
            "valueReference": {"reference": "EpisodeOfCare/hcc-4711"},
        }
    ]
    goal, task = foreign("goal"), foreign("task")
    stranger = {"resourceType": "Task", "id": "other", "basedOn": [{"reference": "CarePlan/x"}]}
    other_episode = {"resourceType": "EpisodeOfCare", "id": "e2", "patient": episode["patient"]}
    [group, second] = group_cases([episode, plan, goal, task, stranger, other_episode])
    keys = {key_of(r) for r in group.resources}
    # plan -> episode by extension, goal by CarePlan.goal, task by basedOn the plan
    assert keys == {
        "EpisodeOfCare/hcc-4711",
        "CarePlan/weight-plan",
        "Goal/weight",
        "Task/callback",
    }
    assert {key_of(r) for r in second.resources} == {"EpisodeOfCare/e2"}


def test_a_resource_of_another_case_never_joins_even_when_linked():
    first = example_case("CM-2001", "g5")
    second = example_case("CM-2002", "g6")
    theirs = case_to_resources(second)
    task = next(r for r in theirs if r["resourceType"] == "Task")
    ours = case_to_resources(first)
    plan = next(r for r in ours if r["resourceType"] == "CarePlan")
    task["basedOn"] = [{"reference": key_of(plan)}]  # a Task of case 2 pointing at case 1's plan
    groups = {g.case_id: g for g in group_cases(ours + theirs)}
    assert key_of(task) not in {key_of(r) for r in groups[first.id].resources}


def test_reference_keys_of_relative_absolute_and_versioned_references():
    assert reference_key("Goal/g1") == "Goal/g1"
    assert reference_key("https://x.org/fhir/Goal/g1/_history/3") == "Goal/g1"
    assert reference_key("#contained") is None
    assert reference_key("urn:uuid:1234") is None
    assert reference_key("nothing") is None


def test_careplans_without_an_episode_are_cases_and_patient_links_join_the_one_case():
    patient = {"reference": "Patient/p"}
    plan = {"resourceType": "CarePlan", "id": "cp", "status": "active", "intent": "plan",
            "subject": patient, "goal": [{"reference": "Goal/g1"}]}  # fmt: skip
    goal1 = {"resourceType": "Goal", "id": "g1", "subject": patient}
    goal2 = {"resourceType": "Goal", "id": "g2", "subject": patient}  # only the patient
    task = {"resourceType": "Task", "id": "t", "for": patient, "focus": {"reference": "Goal/g1"}}
    consent = {"resourceType": "Consent", "id": "c", "patient": patient}
    person = {"resourceType": "Patient", "id": "p"}

    [group] = group_cases([person, plan, goal1, goal2, task, consent])

    assert group.derived
    assert group.episode is plan
    assert group.via["Goal/g1"] == "CarePlan/cp refers to it"
    assert group.via["Task/t"] == "refers to Goal/g1"
    assert group.via["Goal/g2"] == "by patient, one case"
    assert group.via["Consent/c"] == "by patient"


def test_a_goal_of_a_patient_with_two_cases_joins_neither():
    patient = {"reference": "Patient/p"}
    episodes = [
        {"resourceType": "EpisodeOfCare", "id": f"e{n}", "patient": patient} for n in (1, 2)
    ]
    goal = {"resourceType": "Goal", "id": "g", "subject": patient}
    consent = {"resourceType": "Consent", "id": "c", "patient": patient}
    resources: list[dict[str, Any]] = [{"resourceType": "Patient", "id": "p"}, *episodes, goal]
    resources.append(consent)

    groups = group_cases(resources)

    assert all("Goal/g" not in g.via for g in groups)
    assert all(g.via.get("Consent/c") == "by patient" for g in groups)
    assert unlinked(resources, groups) == ["Goal/g"]

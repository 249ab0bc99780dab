"""The benchmark's data set is deterministic, and its edits and splits do what they say."""

from __future__ import annotations

import json
from typing import Any

from bench.baselines import split_forward_references
from bench.dataset import (
    changed_entries,
    changed_fraction_count,
    edit_case,
    make_dataset,
    pick_every,
)


def test_one_percent_of_the_cases_change_and_at_least_one():
    assert changed_fraction_count(1000) == 10
    assert changed_fraction_count(10_000) == 100
    assert changed_fraction_count(5) == 1


def test_pick_every_spreads_the_picks_and_honours_the_offset():
    ids = [f"c{i}" for i in range(10)]
    assert pick_every(ids, 2) == ("c0", "c5")
    assert pick_every(ids, 2, offset=1) == ("c1", "c6")
    assert pick_every([], 3) == ()


def test_edit_case_changes_one_goal_note_or_else_one_task_and_copies():
    with_goal: dict[str, Any] = {"plan": {"goals": [{"id": "G-1"}]}, "tasks": [{"id": "T-1"}]}
    edited = edit_case(with_goal, "x")
    assert edited["plan"]["goals"][0]["note"] == "Reviewed with the client (x)"
    assert "note" not in with_goal["plan"]["goals"][0]
    only_task = edit_case({"tasks": [{"id": "T-1"}]}, "y")
    assert only_task["tasks"][0]["description"] == "Updated by the case manager (y)"


def test_changed_entries_are_the_new_and_different_resources():
    before: list[dict[str, Any]] = [
        {"resourceType": "Goal", "id": "a", "x": 1},
        {"resourceType": "Goal", "id": "b"},
    ]
    after: list[dict[str, Any]] = [
        {"resourceType": "Goal", "id": "a", "x": 2},
        {"resourceType": "Goal", "id": "b"},
        {"resourceType": "Task", "id": "c"},
    ]
    assert [r["id"] for r in changed_entries(before, after)] == ["a", "c"]


def test_dataset_is_the_same_for_the_same_seed_and_differs_only_in_changed_cases(tmp_path):
    first = make_dataset(tmp_path / "one", 30, seed=4)
    second = make_dataset(tmp_path / "two", 30, seed=4)
    assert (first.changed_ids, first.provider_ids, first.resources) == (
        second.changed_ids,
        second.provider_ids,
        second.resources,
    )
    assert len(first.changed_ids) == 1
    differing = [
        f.stem
        for f in sorted(first.original.glob("*.json"))
        if json.loads(f.read_text()) != json.loads((first.changed / f.name).read_text())
    ]
    assert differing == list(first.changed_ids)


def test_forward_references_are_cut_from_the_first_pass_and_saved_again():
    team = {"resourceType": "CareTeam", "id": "t", "episode": {"reference": "EpisodeOfCare/e"}}
    episode = {
        "resourceType": "EpisodeOfCare",
        "id": "e",
        "status": "active",
        "team": [{"reference": "CareTeam/t"}],
    }
    first, again = split_forward_references([episode, team])
    assert first == [{"resourceType": "EpisodeOfCare", "id": "e", "status": "active"}, team]
    assert again == [episode]

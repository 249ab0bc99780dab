"""Server-side changes applied to a stored case by ownership, transition tables and delete rules."""

from __future__ import annotations

import copy
from typing import Any

from adapter.mappings.bundle import case_to_resources
from adapter.model.case import Case
from adapter.model.codes import GoalAchievement, GoalLifecycle, TaskStatus
from adapter.sync.ledger.records import ResourceKey
from adapter.sync.pull.changes import Change
from adapter.sync.pull.inbound import DELETED_HASH, DisputeKind, apply_changes
from tests.support.casefiles import example_case

ACHIEVEMENT = "http://terminology.hl7.org/CodeSystem/goal-achievement"


def resource_of(case: Case, kind: str, record_id: str) -> dict[str, Any]:
    for resource in case_to_resources(case):
        values = [i["value"] for i in resource.get("identifier", [])]
        if resource["resourceType"] == kind and f"{case.id}/{record_id}" in values:
            return copy.deepcopy(resource)
    raise AssertionError(f"no {kind} {record_id}")


def changed(resource: dict[str, Any], version: str = "2") -> Change:
    return Change(resource["resourceType"], resource["id"], version, resource)


def deleted(resource: dict[str, Any], version: str = "3") -> Change:
    return Change(resource["resourceType"], resource["id"], version, None)


def task(case: Case, task_id: str) -> Any:
    return next(t for t in case.tasks if t.id == task_id)


def goal(case: Case, goal_id: str) -> Any:
    assert case.plan is not None
    return next(g for g in case.plan.goals if g.id == goal_id)


CASE = example_case("CM-2001", "in1")  # tasks T-1 accepted, T-2 in-progress, T-3 requested


def test_provider_completing_a_task_and_achieving_a_goal_comes_in():
    server_task = resource_of(CASE, "Task", "T-2")
    server_task["status"] = "completed"
    server_task["output"] = [{"type": {"text": "outcome"}, "valueString": "Scale delivered"}]
    server_goal = resource_of(CASE, "Goal", "G-1")
    server_goal["achievementStatus"] = {"coding": [{"system": ACHIEVEMENT, "code": "achieved"}]}
    update = apply_changes(CASE, [changed(server_task), changed(server_goal)])
    assert task(update.after, "T-2").status is TaskStatus.COMPLETED
    assert task(update.after, "T-2").outcome == "Scale delivered"
    assert goal(update.after, "G-1").achievement is GoalAchievement.ACHIEVED
    assert not update.disputes
    shown = [str(c) for c in update.changes]
    assert "task T-2 status: in-progress -> completed" in shown
    assert "task T-2 outcome: changed" in shown  # free text is never shown
    assert all(result.changed for result in update.synced)


def test_a_status_several_legal_steps_ahead_is_accepted():
    server_task = resource_of(CASE, "Task", "T-3")  # requested -> (in-progress) -> completed
    server_task["status"] = "completed"
    update = apply_changes(CASE, [changed(server_task)])
    assert task(update.after, "T-3").status is TaskStatus.COMPLETED


def test_case_management_elements_edited_on_the_server_are_disputed_not_applied():
    server_goal = resource_of(CASE, "Goal", "G-1")
    server_goal["description"] = {"text": "rewritten by the EHR"}
    server_goal["lifecycleStatus"] = "cancelled"
    update = apply_changes(CASE, [changed(server_goal)])
    assert update.after == CASE
    [dispute] = update.disputes
    assert dispute.kind == DisputeKind.CASE_MANAGEMENT_OWNED
    assert set(dispute.fields) == {"description", "lifecycleStatus"}
    assert "rewritten" not in dispute.message


def test_an_illegal_transition_is_disputed_and_the_other_changes_still_apply():
    data = CASE.model_dump(mode="json")
    data["tasks"] = [{**t, "status": "completed"} if t["id"] == "T-1" else t for t in data["tasks"]]
    done = Case.model_validate(data)
    back = resource_of(done, "Task", "T-1")
    back["status"] = "requested"  # completed -> requested: the table never allows it
    server_goal = resource_of(done, "Goal", "G-2")
    server_goal["achievementStatus"] = {"coding": [{"system": ACHIEVEMENT, "code": "achieved"}]}
    update = apply_changes(done, [changed(back), changed(server_goal)])
    assert task(update.after, "T-1").status is TaskStatus.COMPLETED
    assert goal(update.after, "G-2").achievement is GoalAchievement.ACHIEVED
    [dispute] = update.disputes
    assert dispute.kind == DisputeKind.ILLEGAL
    assert "'completed' -> 'requested'" in dispute.message
    assert dispute.resource == ResourceKey("Task", back["id"])


def test_a_deleted_task_or_goal_is_cancelled_never_removed():
    update = apply_changes(
        CASE, [deleted(resource_of(CASE, "Task", "T-1")), deleted(resource_of(CASE, "Goal", "G-3"))]
    )
    assert task(update.after, "T-1").status is TaskStatus.CANCELLED
    assert goal(update.after, "G-3").lifecycle is GoalLifecycle.CANCELLED
    assert len(update.after.tasks) == len(CASE.tasks)
    assert {r.content_hash for r in update.synced} == {DELETED_HASH}
    assert not update.disputes


def test_deleting_a_finished_task_or_a_case_management_resource_is_reported_and_kept():
    closed = example_case("CM-2009", "in2")  # closed case, tasks completed
    finished = resource_of(closed, "Task", closed.tasks[0].id)
    episode = next(r for r in case_to_resources(closed) if r["resourceType"] == "EpisodeOfCare")
    update = apply_changes(closed, [deleted(finished), deleted(episode)])
    assert update.after == closed
    assert [d.kind for d in update.disputes] == [DisputeKind.DELETED, DisputeKind.DELETED]
    # The finished task is only reported (the next push writes it back); the episode is not
    # the server's to delete: a conflict for a person.
    assert [d.resource.resource_type for d in update.warnings] == ["Task"]
    assert [d.resource.resource_type for d in update.conflicts] == ["EpisodeOfCare"]


def test_a_resource_new_on_the_server_is_reported_not_imported():
    stranger = resource_of(CASE, "Task", "T-1")
    stranger["id"] = "made-elsewhere"
    update = apply_changes(CASE, [changed(stranger)])
    assert update.after == CASE
    assert [d.kind for d in update.disputes] == [DisputeKind.NEW]
    assert update.synced == []
    assert update.conflicts == []  # a warning: nothing for a person to decide


def test_with_a_pushed_base_our_pending_edit_is_not_a_dispute_but_a_server_edit_is():
    base = CASE
    data = CASE.model_dump(mode="json")
    data["plan"]["goals"][0]["description"] = "our new words"  # G-1, edited, not pushed yet
    ours = Case.model_validate(data)
    server_goal = resource_of(base, "Goal", "G-1")  # the server still has the old description
    server_goal["achievementStatus"] = {"coding": [{"system": ACHIEVEMENT, "code": "achieved"}]}
    update = apply_changes(ours, [changed(server_goal)], base=base)
    assert not update.disputes
    assert goal(update.after, "G-1").description == "our new words"
    assert goal(update.after, "G-1").achievement is GoalAchievement.ACHIEVED
    server_goal["priority"] = {"text": "changed on the server"}
    later = apply_changes(ours, [changed(server_goal)], base=base)
    assert [d.fields for d in later.disputes] == [("priority",)]

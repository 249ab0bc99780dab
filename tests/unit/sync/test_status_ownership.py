"""Task.status is owned per value (Gravity): the requester sets draft/requested/cancelled, the
performer the rest; a case manager's cancel racing a provider's update is decided by that."""

from __future__ import annotations

import pytest

from adapter.model.codes import TaskStatus
from adapter.sync.merge import Merge, three_way
from adapter.sync.ownership import both_changed, performer_may_set
from adapter.sync.pull.inbound import DisputeKind, apply_changes
from tests.unit.sync.test_inbound import CASE, changed, resource_of, task

BASE = {"resourceType": "Task", "id": "t1", "status": "requested", "description": "Meals"}


def race(ours: str, theirs: str) -> tuple[str, Merge]:
    merge = three_way(
        ours={**BASE, "status": ours},
        theirs={**BASE, "status": theirs},
        ours_base=BASE,
        theirs_base=BASE,
    )
    return str(merge.body.get("status")), merge


@pytest.mark.parametrize("progress", ["received", "accepted", "in-progress", "on-hold"])
def test_a_cancel_wins_over_a_providers_progress(progress: str):
    status, merge = race("cancelled", progress)
    assert status == "cancelled"
    assert merge.clean
    assert merge.applied == ("status",)


@pytest.mark.parametrize("ending", ["completed", "failed", "rejected"])
def test_a_providers_ending_stands_against_a_late_cancel(ending: str):
    status, merge = race("cancelled", ending)
    assert status == ending
    assert merge.server_won == ("status",)


def test_a_performer_value_on_the_server_wins_over_ours():
    assert race("completed", "in-progress")[0] == "in-progress"


def test_a_requester_value_set_on_the_server_over_a_performer_value_of_ours_is_a_conflict():
    status, merge = race("completed", "cancelled")
    assert not merge.clean
    assert merge.conflicts == ("status",)
    assert status == "cancelled"  # the server's value stays until a person decides


def test_without_a_base_the_values_decide_too():
    merge = three_way(
        ours={**BASE, "status": "cancelled"},
        theirs={**BASE, "status": "in-progress"},
        ours_base=None,
        theirs_base=None,
    )
    assert merge.body["status"] == "cancelled"


def test_other_performer_elements_stay_the_servers():
    assert both_changed("Task", "output", [1], [2]) == "theirs"
    assert both_changed("Goal", "achievementStatus", "a", "b") == "theirs"
    assert performer_may_set("Task", "output", None)
    assert not performer_may_set("Task", "description", "x")
    assert performer_may_set("Task", "status", "accepted")
    assert not performer_may_set("Task", "status", "cancelled")


def test_a_pull_takes_a_performers_status_but_not_a_requesters():
    accepted = resource_of(CASE, "Task", "T-3")  # T-3 requested
    accepted["status"] = "accepted"
    update = apply_changes(CASE, [changed(accepted)])
    assert task(update.after, "T-3").status is TaskStatus.ACCEPTED
    assert not update.disputes

    cancelled = resource_of(CASE, "Task", "T-3")
    cancelled["status"] = "cancelled"  # a performer cannot withdraw the order
    update = apply_changes(CASE, [changed(cancelled)])
    assert task(update.after, "T-3").status is TaskStatus.REQUESTED
    [dispute] = update.disputes
    assert dispute.kind == DisputeKind.ILLEGAL
    assert dispute.fields == ("status",)
    assert "'cancelled' is the requester's to set" in dispute.message

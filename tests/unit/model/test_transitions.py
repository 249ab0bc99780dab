"""Status changes follow the transition tables; illegal ones raise TransitionError."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import pytest

from adapter.errors import InputError, TransitionError
from adapter.model import codes as c
from adapter.model import parse_case
from adapter.model.transitions import TRANSITIONS, StatusKind, check_case_update, check_transition
from tests.support.cases import valid_case_data

ENUM_OF: dict[StatusKind, type[StrEnum]] = {
    StatusKind.CASE: c.CaseStatus,
    StatusKind.PLAN: c.PlanStatus,
    StatusKind.GOAL: c.GoalLifecycle,
    StatusKind.TASK: c.TaskStatus,
    StatusKind.CONSENT: c.ConsentStatus,
    StatusKind.NEED: c.NeedStatus,
    StatusKind.ASSESSMENT: c.AssessmentStatus,
}

ALL_MOVES = [
    (kind, current, requested)
    for kind, enum in ENUM_OF.items()
    for current in enum
    for requested in enum
    if current != requested
]


def test_every_status_kind_has_a_table_covering_all_its_statuses():
    assert set(TRANSITIONS) == set(StatusKind)
    for kind, enum in ENUM_OF.items():
        table = TRANSITIONS[kind]
        assert set(table) == set(enum), kind
        assert all(targets <= set(enum) for targets in table.values()), kind


@pytest.mark.parametrize(("kind", "current", "requested"), ALL_MOVES)
def test_each_move_is_allowed_exactly_when_the_table_lists_it(kind, current, requested):
    allowed = requested in TRANSITIONS[kind][current]
    if allowed:
        check_transition(kind, current, requested, record="case X", field="status")
    else:
        with pytest.raises(TransitionError) as caught:
            check_transition(kind, current, requested, record="case X", field="status")
        assert (caught.value.current, caught.value.requested) == (current.value, requested.value)


def test_staying_in_the_same_status_is_always_allowed():
    for kind, enum in ENUM_OF.items():
        for status in enum:
            check_transition(kind, status, status, record="case X", field="status")


def test_completed_task_cannot_go_back_to_requested():
    with pytest.raises(TransitionError, match="illegal transition 'completed' -> 'requested'"):
        check_transition("task", "completed", "requested", record="case X", field="tasks[0].status")


def test_terminal_statuses_have_no_way_out():
    terminal = {
        StatusKind.CASE: {"closed", "cancelled"},
        StatusKind.TASK: {"completed", "cancelled", "failed", "rejected"},
        StatusKind.GOAL: {"completed", "cancelled"},
        StatusKind.PLAN: {"completed", "revoked"},
    }
    for kind, statuses in terminal.items():
        assert {s for s, targets in TRANSITIONS[kind].items() if not targets} == statuses


def closed_case_data() -> dict[str, Any]:
    data = valid_case_data()
    data.update(status="closed", closed_on="2024-06-30", closure_reason="goals-achieved")
    data["plan"]["status"] = "completed"
    data["plan"]["goals"][0].update(lifecycle="completed", achievement="achieved")
    data["tasks"][0]["status"] = "cancelled"
    return data


def test_a_legal_update_passes():
    old = parse_case(valid_case_data())
    data = valid_case_data()
    data["tasks"][0]["status"] = "accepted"
    data["plan"]["revisions"] = [{"number": 1, "revised_on": "2024-04-02", "reason": "New diet"}]
    data["tasks"].append({**data["tasks"][0], "id": "T-2", "status": "draft"})
    check_case_update(old, parse_case(data))


def test_closing_a_case_properly_passes():
    check_case_update(parse_case(valid_case_data()), parse_case(closed_case_data()))


def test_update_moving_a_task_back_names_the_task_status():
    data = valid_case_data()
    data["tasks"][0]["status"] = "completed"
    old = parse_case(data)
    data["tasks"][0]["status"] = "requested"
    with pytest.raises(TransitionError) as caught:
        check_case_update(old, parse_case(data))
    assert caught.value.field == "tasks[0].status"
    assert caught.value.record == "case CM-1001"


def test_closed_case_cannot_get_new_tasks():
    old = parse_case(closed_case_data())
    data = closed_case_data()
    data["tasks"].append({**data["tasks"][0], "id": "T-2", "status": "cancelled"})
    with pytest.raises(InputError, match="cannot get new tasks") as caught:
        check_case_update(old, parse_case(data))
    assert caught.value.field == "tasks[1]"


def test_closed_case_cannot_be_reopened():
    old = parse_case(closed_case_data())
    with pytest.raises(TransitionError, match="'closed' -> 'active'"):
        check_case_update(old, parse_case(valid_case_data()))


def test_tasks_are_never_removed():
    old = parse_case(valid_case_data())
    data = valid_case_data()
    data["tasks"] = []
    data["notes"][0]["task_ids"] = []
    with pytest.raises(InputError, match="'T-1' was removed"):
        check_case_update(old, parse_case(data))


def test_goal_lifecycle_follows_its_table():
    data = valid_case_data()
    data["plan"]["goals"][0].update(lifecycle="completed", achievement="achieved")
    old = parse_case(data)
    data["plan"]["goals"][0].update(lifecycle="active")
    with pytest.raises(TransitionError) as caught:
        check_case_update(old, parse_case(data))
    assert caught.value.field == "plan.goals[0].lifecycle"


def test_earlier_plan_revisions_cannot_be_rewritten():
    data = valid_case_data()
    data["plan"]["revisions"] = [{"number": 1, "revised_on": "2024-04-02", "reason": "New diet"}]
    old = parse_case(data)
    data["plan"]["revisions"][0]["reason"] = "Something else"
    with pytest.raises(InputError, match="append-only") as caught:
        check_case_update(old, parse_case(data))
    assert caught.value.field == "plan.revisions[0]"


def test_an_active_plan_cannot_be_swapped_for_another():
    old = parse_case(valid_case_data())
    data = valid_case_data()
    data["plan"]["id"] = "PLAN-2"
    with pytest.raises(InputError, match="completed or revoked before it is replaced"):
        check_case_update(old, parse_case(data))


def test_case_id_cannot_change():
    old = parse_case(valid_case_data())
    data = valid_case_data()
    data["id"] = "CM-2002"
    with pytest.raises(InputError) as caught:
        check_case_update(old, parse_case(data))
    assert caught.value.field == "id"

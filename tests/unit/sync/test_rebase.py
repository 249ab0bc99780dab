from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import BaseModel

from adapter.errors import TransitionError
from adapter.model import parse_case
from adapter.model.case import Case
from adapter.model.goal import Goal
from adapter.model.task import Task
from adapter.sync.intake import MODEL_FIELDS, check_incoming, performer_fields
from adapter.sync.ownership import performer_owned
from tests.support.cases import valid_case_data

Edit = Callable[[dict[str, Any]], None]


def version(*edits: Edit) -> Case:
    data = valid_case_data()
    for edit in edits:
        edit(data)
    return parse_case(data)


def task(**values: Any) -> Edit:
    return lambda data: data["tasks"][0].update(values)


def goal(**values: Any) -> Edit:
    return lambda data: data["plan"]["goals"][0].update(values)


def closed(data: dict[str, Any]) -> None:
    data.update(status="closed", closed_on="2024-06-30", closure_reason="goals-achieved")
    data["plan"]["status"] = "completed"
    data["plan"]["goals"][0].update(lifecycle="completed", achievement="achieved")
    data["tasks"][0]["status"] = "cancelled"


COMPLETED = task(status="completed", outcome="Seen by the cardiologist")


def test_every_mapped_element_is_performer_owned_and_every_field_is_in_the_model():
    models: dict[str, type[BaseModel]] = {"Task": Task, "Goal": Goal}
    for resource_type, table in MODEL_FIELDS.items():
        assert set(table) <= performer_owned(resource_type)
        fields = {name for names in table.values() for name in names}
        assert fields <= set(models[resource_type].model_fields)
    assert performer_fields("Task") == ("financial", "outcome", "status", "status_reason")


def test_a_task_completed_by_a_pull_is_kept_when_the_file_is_behind():
    pushed = version()
    stored = version(COMPLETED)

    checked = check_incoming(version(), stored, pushed)

    assert checked.case.tasks[0].status == "completed"
    assert checked.case.tasks[0].outcome == "Seen by the cardiologist"
    assert checked.rebased == ("tasks[0].outcome", "tasks[0].status")


def test_a_financial_result_pulled_with_the_outcome_is_kept_when_the_file_is_behind():
    money = {"currency": "USD", "billed": "1200.00", "negotiated": "900.00"}
    stored = version(task(status="completed", outcome="Rate agreed", financial=money))

    checked = check_incoming(version(), stored, version())

    result = checked.case.tasks[0].financial
    assert result is not None
    assert str(result.negotiated) == "900.00"
    assert checked.rebased == ("tasks[0].financial", "tasks[0].outcome", "tasks[0].status")


def test_a_stale_goal_achievement_is_kept_although_no_table_refuses_it():
    stored = version(goal(achievement="improving", status_date="2024-05-02"))

    checked = check_incoming(version(), stored, version())

    assert checked.case.plan is not None
    assert checked.case.plan.goals[0].achievement == "improving"
    assert checked.rebased == ("plan.goals[0].achievement", "plan.goals[0].status_date")


def test_what_the_file_changed_since_the_last_push_is_kept_when_legal():
    checked = check_incoming(version(task(status="cancelled")), version(), version())

    assert checked.case.tasks[0].status == "cancelled"
    assert checked.rebased == ()


def test_a_task_the_file_moved_back_from_completed_is_refused():
    pushed = stored = version(COMPLETED)

    with pytest.raises(TransitionError) as caught:
        check_incoming(version(), stored, pushed)

    assert (caught.value.record, caught.value.field) == ("case CM-1001", "tasks[0].status")
    assert caught.value.reason == "illegal transition 'completed' -> 'requested'"


def test_reopening_a_closed_case_is_refused():
    pushed = stored = version(closed)

    with pytest.raises(TransitionError) as caught:
        check_incoming(version(), stored, pushed)

    assert (caught.value.record, caught.value.field) == ("case CM-1001", "status")


def test_a_case_management_field_that_moved_on_is_not_rebased():
    stored = version(goal(lifecycle="completed", achievement="achieved"))

    with pytest.raises(TransitionError) as caught:
        check_incoming(version(), stored, version())

    assert caught.value.field == "plan.goals[0].lifecycle"


def test_without_a_snapshot_every_difference_is_the_callers_own():
    with pytest.raises(TransitionError) as caught:
        check_incoming(version(), version(COMPLETED))

    assert caught.value.field == "tasks[0].status"


def test_a_first_version_is_taken_as_it_is():
    incoming = version(closed)

    assert check_incoming(incoming, None).case is incoming

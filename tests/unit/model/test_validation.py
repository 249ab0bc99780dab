"""Invalid input gives InputErrors naming the record and the field path."""

from __future__ import annotations

from typing import Any

import pytest

from adapter.errors import InputError
from adapter.model import Case, case_problems, parse_case, parse_cases
from tests.support.cases import valid_case_data


def only_problem(data: dict[str, Any]) -> InputError:
    problems = case_problems(data)
    assert len(problems) == 1, problems
    return problems[0]


def test_valid_input_parses_into_an_equal_case_after_a_json_round_trip(case_data):
    case = parse_case(case_data)
    assert case.id == "CM-1001"
    assert Case.model_validate_json(case.model_dump_json()) == case


def test_missing_required_field_is_named_with_its_path(case_data):
    del case_data["client"]["birth_date"]
    problem = only_problem(case_data)
    assert (problem.record, problem.field) == ("case CM-1001", "client.birth_date")
    assert "required" in problem.reason.lower()


def test_wrong_type_is_named_with_its_path(case_data):
    case_data["tasks"][0]["goal_ids"] = 7
    problem = only_problem(case_data)
    assert problem.field == "tasks[0].goal_ids"


def test_unknown_enum_value_names_the_field_and_the_allowed_values(case_data):
    case_data["plan"]["goals"][0]["lifecycle"] = "done"
    problem = only_problem(case_data)
    assert problem.field == "plan.goals[0].lifecycle"
    assert "'proposed'" in problem.reason
    assert "'cancelled'" in problem.reason


def test_date_in_a_nested_target_is_named_down_to_the_leaf(case_data):
    case_data["plan"]["goals"][0]["target"]["due_date"] = "2024-13-01"
    assert only_problem(case_data).field == "plan.goals[0].target.due_date"


def test_naive_datetime_is_rejected_with_a_hint_about_the_offset(case_data):
    case_data["tasks"][0]["created_at"] = "2024-03-06T10:15:00"
    problem = only_problem(case_data)
    assert problem.field == "tasks[0].created_at"
    assert "timezone" in problem.reason


def test_oversized_free_text_is_rejected(case_data):
    case_data["notes"][0]["text"] = "x" * 10_001
    problem = only_problem(case_data)
    assert problem.field == "notes[0].text"
    assert "10000" in problem.reason


def test_id_outside_the_safe_charset_is_rejected(case_data):
    case_data["tasks"][0]["id"] = "T 1/x"
    problem = only_problem(case_data)
    assert problem.field == "tasks[0].id"
    assert "letters, digits" in problem.reason


def test_a_bad_case_id_makes_errors_name_the_batch_position_instead():
    data = valid_case_data()
    data["id"] = "case #1"
    _, errors = parse_cases([valid_case_data(), data])
    assert errors[0].record == "case #1"
    assert errors[0].field == "id"


def test_unknown_field_is_rejected(case_data):
    case_data["client"]["nickname"] = "Ada"
    problem = only_problem(case_data)
    assert problem.field == "client.nickname"


def test_closed_case_without_a_reason_is_rejected(case_data):
    case_data.update(status="closed", closed_on="2024-06-30", tasks=[], plan=None)
    problem = only_problem(case_data)
    assert problem.field == "closure_reason"
    assert "closed case needs a closure reason" in problem.reason


def test_closed_case_without_a_close_date_is_rejected(case_data):
    case_data.update(status="closed", closure_reason="goals-achieved", tasks=[], plan=None)
    assert only_problem(case_data).field == "closed_on"


def test_closure_reason_on_an_open_case_is_rejected(case_data):
    case_data["closure_reason"] = "deceased"
    problem = only_problem(case_data)
    assert problem.field == "closure_reason"
    assert "active case" in problem.reason


def test_closed_case_with_an_open_task_names_the_task(case_data):
    case_data.update(status="closed", closed_on="2024-06-30", closure_reason="goals-achieved")
    case_data["plan"]["status"] = "completed"
    case_data["plan"]["goals"][0].update(lifecycle="completed", achievement="achieved")
    assert only_problem(case_data).field == "tasks[0].status"


def test_active_case_needs_a_granted_participation_consent(case_data):
    case_data["consents"][0]["status"] = "pending"
    assert only_problem(case_data).field == "consents"


def test_reference_to_an_unknown_record_names_the_referring_field(case_data):
    case_data["tasks"][0]["owner_id"] = "CT-9"
    problem = only_problem(case_data)
    assert problem.field == "tasks[0].owner_id"
    assert problem.reason == "names no care team member of this case"
    assert "CT-9" not in problem.reason  # the position, never the value


def test_unknown_goal_in_a_list_of_references_names_the_item(case_data):
    case_data["tasks"][0]["goal_ids"] = ["G-1", "G-7"]
    assert only_problem(case_data).field == "tasks[0].goal_ids[1]"


def test_duplicate_ids_name_the_second_record(case_data):
    case_data["care_team"][1]["id"] = "CT-1"
    assert only_problem(case_data).field == "care_team[1].id"


def test_completed_goal_needs_a_final_achievement(case_data):
    case_data["plan"]["goals"][0].update(lifecycle="completed", achievement="improving")
    assert only_problem(case_data).field == "plan.goals[0].achievement"


def test_plan_revisions_must_be_numbered_in_order(case_data):
    case_data["plan"]["revisions"] = [
        {"number": 2, "revised_on": "2024-04-01", "reason": "Client moved"}
    ]
    assert only_problem(case_data).field == "plan.revisions[0].number"


def test_parse_case_raises_the_first_problem_and_counts_the_rest(case_data):
    case_data["program"] = "wellness"
    case_data["opened_on"] = "soon"
    with pytest.raises(InputError) as caught:
        parse_case(case_data)
    assert caught.value.record == "case CM-1001"
    assert caught.value.field == "program"
    assert "(and 1 more problem)" in caught.value.reason
    assert [p.field for p in case_problems(case_data)] == ["program", "opened_on"]


def test_batch_returns_the_good_cases_and_one_error_per_bad_record():
    good = valid_case_data()
    twice_broken = valid_case_data()
    twice_broken.update(id="CM-2", program="wellness", opened_on="soon")
    other = valid_case_data()
    other["id"] = "CM-3"
    not_a_case = ["CM-4"]
    cases, errors = parse_cases([good, twice_broken, other, not_a_case])
    assert [c.id for c in cases] == ["CM-1001", "CM-3"]
    assert [e.record for e in errors] == ["case CM-2", "case #3"]
    assert errors[1].field == "(case)"

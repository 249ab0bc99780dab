"""The practice settings and the records of issue 18: each rule names the field it blames, and
never the value."""

from __future__ import annotations

from typing import Any

import pytest

from adapter.model.codes import InterventionType, PracticeSetting
from adapter.model.practice import SETTING_FUNCTIONS, settings_of
from adapter.model.validation import case_problems, parse_case
from tests.support.cases import valid_case_data


def only_field(data: dict[str, Any]) -> str:
    problems = case_problems(data)
    assert len(problems) == 1, problems
    return problems[0].field


@pytest.fixture
def data() -> dict[str, Any]:
    case = valid_case_data()
    case["tasks"][0]["status"] = "completed"
    return case


def test_every_setting_lists_the_functions_of_the_source_documents():
    counts = {setting: len(functions) for setting, functions in SETTING_FUNCTIONS.items()}
    assert counts == {
        PracticeSetting.PAYER: 7,
        PracticeSetting.PROVIDER: 5,
        PracticeSetting.EMPLOYER: 6,
        PracticeSetting.HOSPITAL: 7,
    }
    used = {kind for functions in SETTING_FUNCTIONS.values() for _, kind in functions}
    assert set(InterventionType) - used == {InterventionType.OUTREACH}
    assert settings_of(InterventionType.EDUCATION) == (
        PracticeSetting.PROVIDER,
        PracticeSetting.EMPLOYER,
    )


def test_a_setting_and_links_parse(data):
    data["setting"] = "employer"
    data["related_cases"] = [{"case_id": "CM-0999", "relation": "reopened-from"}]
    case = parse_case(data)
    assert case.setting is PracticeSetting.EMPLOYER
    assert case.related_cases[0].case_id == "CM-0999"


def test_an_unknown_setting_is_named(data):
    data["setting"] = "school"
    assert only_field(data) == "setting"


def test_a_case_cannot_link_to_itself_or_twice_to_one_case(data):
    data["related_cases"] = [{"case_id": data["id"], "relation": "follows"}]
    assert only_field(data) == "related_cases[0].case_id"
    data["related_cases"] = [
        {"case_id": "CM-1", "relation": "follows"},
        {"case_id": "CM-1", "relation": "reopened-from"},
    ]
    assert only_field(data) == "related_cases[1].case_id"


def test_financial_result_savings_must_be_billed_minus_negotiated(data):
    task = data["tasks"][0]
    task["financial"] = {"currency": "USD", "billed": "100.00", "negotiated": "60.00"}
    result = parse_case(data).tasks[0].financial
    assert result is not None
    assert result.computed_savings == 40
    task["financial"]["savings"] = "30.00"
    assert only_field(data) == "tasks[0].financial.savings"
    task["financial"] = {"currency": "usd", "billed": "1", "negotiated": "1"}
    assert only_field(data) == "tasks[0].financial.currency"
    task["financial"] = {"currency": "USD", "billed": "-1", "negotiated": "0"}
    assert only_field(data) == "tasks[0].financial.billed"


def test_a_task_not_started_has_no_financial_result(data):
    data["tasks"][0]["status"] = "requested"
    data["tasks"][0]["financial"] = {"currency": "USD", "billed": "1", "negotiated": "1"}
    assert only_field(data) == "tasks[0].financial"


def test_owner_history_in_order_ending_with_the_owner(data):
    task = data["tasks"][0]  # owned by CT-2
    task["owner_history"] = [
        {"owner_id": "CT-1", "from": "2024-03-06", "to": "2024-03-08"},
        {"owner_id": "CT-2", "from": "2024-03-08"},
    ]
    history = parse_case(data).tasks[0].owner_history
    assert [(h.owner_id, h.end) for h in history] == [("CT-1", history[1].start), ("CT-2", None)]
    task["owner_history"][1]["owner_id"] = "CT-1"
    assert only_field(data) == "tasks[0].owner_history[1].owner_id"
    task["owner_history"] = [
        {"owner_id": "CT-1", "from": "2024-03-06"},
        {"owner_id": "CT-2", "from": "2024-03-08"},
    ]
    assert only_field(data) == "tasks[0].owner_history[0].to"
    task["owner_history"] = [
        {"owner_id": "CT-1", "from": "2024-03-06", "to": "2024-03-09"},
        {"owner_id": "CT-2", "from": "2024-03-08"},
    ]
    assert only_field(data) == "tasks[0].owner_history[1].from"
    task["owner_history"] = [{"owner_id": "CT-9", "from": "2024-03-06", "to": "2024-03-07"}]
    assert only_field(data) == "tasks[0].owner_history[0]"


def test_consent_given_by_names_a_care_team_member(data):
    data["consents"][0]["given_by_id"] = "CT-2"
    assert parse_case(data).consents[0].given_by_id == "CT-2"
    data["consents"][0]["given_by_id"] = "CT-9"
    assert only_field(data) == "consents[0].given_by_id"


@pytest.mark.parametrize(
    ("result", "ok"),
    [
        ({"score": "3"}, True),
        ({"answer": {"system": "http://loinc.org", "code": "LA33-6", "display": "Yes"}}, True),
        ({"text": "High risk"}, True),
        ({}, False),
        ({"score": "3", "text": "three"}, False),
        ({"answer": {"code": "LA33-6"}}, False),
    ],
)
def test_an_instrument_result_is_one_score_answer_or_text(data, result, ok):
    data["assessments"][0]["scores"] = [{"id": "SC-1", "instrument": "C-SSRS Q1", **result}]
    problems = case_problems(data)
    assert (problems == []) is ok, problems
    if not ok:
        assert problems[0].field.startswith("assessments[0].scores[0]")

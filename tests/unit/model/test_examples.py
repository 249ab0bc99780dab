"""The example cases in examples/cases/ are valid and together cover the whole CMSA process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapter.model import Case, parse_case
from adapter.model import codes as c

EXAMPLES = sorted((Path(__file__).parents[3] / "examples" / "cases").glob("*.json"))


def load_all() -> list[Case]:
    return [parse_case(json.loads(path.read_text(encoding="utf-8"))) for path in EXAMPLES]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_parses_and_survives_a_json_round_trip(path: Path):
    case = parse_case(json.loads(path.read_text(encoding="utf-8")))
    assert path.name.startswith(case.id)
    assert Case.model_validate_json(case.model_dump_json()) == case


def test_there_are_at_least_twenty_examples_with_unique_ids():
    cases = load_all()
    assert len(cases) >= 20
    assert len({case.id for case in cases}) == len(cases)


def test_examples_cover_every_program_status_source_and_closure_reason():
    cases = load_all()
    assert {case.program for case in cases} == set(c.ProgramType)
    assert {case.status for case in cases} == set(c.CaseStatus)
    assert {case.referral.source_type for case in cases} == set(c.ReferralSourceType)
    assert {case.closure_reason for case in cases} - {None} == set(c.ClosureReason)


def test_examples_cover_every_screening_criterion():
    met = {r.criterion for case in load_all() if case.screening for r in case.screening.criteria}
    assert met == set(c.ScreeningCriterion)


def test_examples_cover_every_goal_and_task_status():
    cases = load_all()
    goals = [goal for case in cases if case.plan for goal in case.plan.goals]
    assert {goal.lifecycle for goal in goals} == set(c.GoalLifecycle)
    assert {goal.achievement for goal in goals} - {None} == set(c.GoalAchievement)
    assert {task.status for case in cases for task in case.tasks} == set(c.TaskStatus)
    assert {task.type for case in cases for task in case.tasks} == set(c.InterventionType)


def test_examples_include_a_plan_revision_an_external_referral_and_an_unreachable_client():
    cases = load_all()
    assert any(case.plan and case.plan.revisions for case in cases)
    org = c.MemberKind.ORGANIZATION
    organizations = {(case.id, m.id) for case in cases for m in case.care_team if m.kind is org}
    assert any(
        t.type is c.InterventionType.REFERRAL and (case.id, t.owner_id) in organizations
        for case in cases
        for t in case.tasks
    )
    unreachable = [
        case
        for case in cases
        if case.closure_reason is c.ClosureReason.UNABLE_TO_ENGAGE
        and sum(n.reached is False for n in case.notes) >= 3
    ]
    assert unreachable


def test_examples_cover_every_outcome_domain():
    assert {o.domain for case in load_all() for o in case.outcomes} == set(c.OutcomeDomain)


def test_examples_cover_every_practice_setting_and_intervention_type():
    cases = load_all()
    assert {case.setting for case in cases} - {None} == set(c.PracticeSetting)
    assert {task.type for case in cases for task in case.tasks} == set(c.InterventionType)
    assert {link.relation for case in cases for link in case.related_cases} == set(
        c.CaseLinkRelation
    )

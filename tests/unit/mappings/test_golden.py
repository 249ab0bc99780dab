"""Golden pairs: tests/golden/<name>.internal.json <-> tests/golden/<name>.fhir.json.

Regenerate after a deliberate mapping change with ``UPDATE_GOLDEN=1 .venv/bin/pytest
tests/unit/mappings/test_golden.py`` and review the diff (``git diff tests/golden``) by eye.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from adapter.fhir.json_body import dumps_text, loads
from adapter.mappings.bundle import bundle_to_case, case_to_bundle
from adapter.model.codes import (
    CareTeamRole,
    CaseLinkRelation,
    ClosureReason,
    GoalLifecycle,
    InterventionType,
    PracticeSetting,
    ProgramType,
    ScreeningCriterion,
    TaskStatus,
)
from adapter.model.validation import parse_case

GOLDEN = Path(__file__).parents[2] / "golden"
NAMES = sorted(p.name.removesuffix(".internal.json") for p in GOLDEN.glob("*.internal.json"))
CASES = {
    name: parse_case(json.loads((GOLDEN / f"{name}.internal.json").read_text())) for name in NAMES
}


@pytest.mark.parametrize("name", NAMES)
def test_case_maps_to_the_reviewed_bundle(name):
    produced = dumps_text(case_to_bundle(CASES[name])) + "\n"
    expected_path = GOLDEN / f"{name}.fhir.json"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        expected_path.write_text(produced, encoding="utf-8")
    assert produced == expected_path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", NAMES)
def test_reviewed_bundle_maps_back_to_the_case(name):
    bundle = loads((GOLDEN / f"{name}.fhir.json").read_bytes())
    assert bundle_to_case(bundle) == CASES[name]


def test_golden_cases_cover_every_closure_reason_criterion_and_status():
    cases = list(CASES.values())
    tasks = {t.status for c in cases for t in c.tasks}
    goals = {g.lifecycle for c in cases if c.plan for g in c.plan.goals}
    criteria = {r.criterion for c in cases if c.screening for r in c.screening.criteria}
    assert {c.closure_reason for c in cases} >= set(ClosureReason)
    assert criteria == set(ScreeningCriterion)
    assert goals == set(GoalLifecycle)
    assert tasks == set(TaskStatus)
    assert any(c.plan and c.plan.revisions for c in cases)
    assert any(t.service and t.owner_id for c in cases for t in c.tasks)
    assert any(n.reached is False for c in cases for n in c.notes)


def test_golden_cases_cover_every_setting_function_program_and_new_record():
    """Issue 18: each practice setting, intervention type, program type and care-team role,
    every case link, a financial result, an owner history, a consent given by a guardian and
    categorical and text instrument results have a reviewed bundle."""
    cases = list(CASES.values())
    tasks = [t for c in cases for t in c.tasks]
    scores = [s for c in cases for a in c.assessments for s in a.scores]
    assert {c.setting for c in cases} - {None} == set(PracticeSetting)
    assert {t.type for t in tasks} == set(InterventionType)
    assert {c.program for c in cases} == set(ProgramType)
    new_roles = {
        CareTeamRole.EMPLOYER_CONTACT,
        CareTeamRole.DIETITIAN,
        CareTeamRole.GUARDIAN,
        CareTeamRole.LEGAL_REPRESENTATIVE,
        CareTeamRole.FAMILY_CAREGIVER,
        CareTeamRole.CLAIMS_ADJUSTER,
        CareTeamRole.VOCATIONAL_COUNSELOR,
    }
    assert {m.role for c in cases for m in c.care_team} >= new_roles
    assert {link.relation for c in cases for link in c.related_cases} == set(CaseLinkRelation)
    results = [t.financial for t in tasks if t.financial is not None]
    assert any(r.savings is not None for r in results)
    assert any(r.savings is None for r in results)
    assert any(len(t.owner_history) > 1 for t in tasks)
    assert any(c.given_by_id for case in cases for c in case.consents)
    assert any(s.answer is not None for s in scores)
    assert any(s.text is not None for s in scores)

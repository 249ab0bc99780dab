"""Properties over generated valid cases."""

from __future__ import annotations

from hypothesis import given, settings

from adapter.model import Case, case_problems
from adapter.model.transitions import check_case_update
from tests.strategies import cases


@settings(max_examples=60, deadline=None)
@given(cases())
def test_every_case_survives_a_json_round_trip_unchanged(case: Case):
    assert Case.model_validate(case.model_dump(mode="json")) == case
    assert Case.model_validate_json(case.model_dump_json()) == case


@settings(max_examples=30, deadline=None)
@given(cases())
def test_generated_input_validates_without_problems_and_is_its_own_legal_update(case: Case):
    assert case_problems(case.model_dump(mode="json")) == []
    check_case_update(case, case)

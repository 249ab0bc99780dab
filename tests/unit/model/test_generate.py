"""The synthetic case generator is deterministic and produces valid cases."""

from __future__ import annotations

from typer.testing import CliRunner

from adapter.cli import app
from adapter.model import Case, case_problems
from adapter.model.generate import generate_cases


def test_same_seed_gives_the_same_cases_and_another_seed_different_ones():
    first = list(generate_cases(40, seed=7))
    assert first == list(generate_cases(40, seed=7))
    assert first != list(generate_cases(40, seed=8))


def test_generated_cases_are_valid_input_with_sequential_ids():
    cases = list(generate_cases(200, seed=1, prefix="BENCH"))
    assert [case.id for case in cases][:2] == ["BENCH-000001", "BENCH-000002"]
    assert all(
        case_problems(case.model_dump(mode="json", exclude_none=True)) == [] for case in cases
    )
    assert len({case.status for case in cases}) == 6


def test_cli_writes_one_file_per_case(tmp_path):
    result = CliRunner().invoke(
        app, ["generate", "--cases", "3", "--seed", "2", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    files = sorted(tmp_path.glob("*.json"))
    assert [f.name for f in files] == ["GEN-000001.json", "GEN-000002.json", "GEN-000003.json"]
    expected = list(generate_cases(3, seed=2))
    assert [Case.model_validate_json(f.read_text()) for f in files] == expected


def test_cli_refuses_a_prefix_that_would_make_invalid_ids(tmp_path):
    result = CliRunner().invoke(app, ["generate", "--prefix", "a b", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert not list(tmp_path.iterdir())


def test_every_generated_case_has_its_own_client():
    cases = list(generate_cases(50, seed=3))
    assert len({case.client.id for case in cases}) == 50

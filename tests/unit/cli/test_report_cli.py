"""``adapter report``: from case files or the case store; bad options are exit 2."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adapter.cli import app
from adapter.model.codes import ProgramType
from adapter.sync.ledger import Ledger
from tests.support.casefiles import example_data, hand_counted_files


@pytest.fixture
def examples(tmp_path: Path) -> Path:
    """A directory holding the hand-counted example cases (tests/unit/reports)."""
    folder = tmp_path / "examples"
    folder.mkdir()
    for path in hand_counted_files():
        shutil.copy(path, folder / path.name)
    return folder


def _ledger_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.sqlite'}"


def test_json_report_of_the_examples(examples: Path):
    result = CliRunner().invoke(app, ["report", str(examples), "--program", "maternity"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [p["program"] for p in report["programs"]] == ["maternity"]
    # 2004 2010 2017 2020; 2010 closed self-managing, 2017 cancelled.
    assert report["total"]["cases"]["cohort"] == 4
    assert report["total"]["cases"]["closed_by_reason"]["self-managing"] == 1
    assert report["total"]["cases"]["cancelled"] == 1


def test_report_from_the_case_store_matches_the_files(tmp_path: Path, examples: Path):
    with Ledger.open(_ledger_url(tmp_path)) as ledger:
        for path in hand_counted_files():
            data = json.loads(path.read_text())
            ledger.put_case(data["id"], data, source="test")
    args = [
        "report",
        "--from-ledger",
        "--ledger",
        _ledger_url(tmp_path),
        "--period",
        "2024-01-01..2024-03-31",
    ]
    stored = json.loads(CliRunner().invoke(app, args).stdout)
    files = json.loads(
        CliRunner()
        .invoke(app, ["report", str(examples), "--period", "2024-01-01..2024-03-31"])
        .stdout
    )
    assert stored["programs"] == files["programs"]
    assert stored["total"]["cases"]["cohort"] == 12  # counted in tests/unit/reports


def test_fhir_format_writes_a_measure_report(tmp_path: Path, examples: Path):
    out = tmp_path / "report.fhir.json"
    result = CliRunner().invoke(
        app, ["report", str(examples), "--format", "fhir", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    resource = json.loads(out.read_text())
    assert (resource["resourceType"], resource["type"]) == ("MeasureReport", "summary")
    assert len(resource["group"]) == len(ProgramType)


def test_html_format_writes_the_page_and_the_picture(tmp_path: Path, examples: Path):
    out = tmp_path / "report.html"
    result = CliRunner().invoke(
        app, ["report", str(examples), "--format", "html", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("<!DOCTYPE html>")
    assert (tmp_path / "report.png").read_bytes()[:4] == b"\x89PNG"
    (tmp_path / "report.png").unlink()
    result = CliRunner().invoke(
        app, ["report", str(examples), "--format", "html", "--out", str(out), "--no-png"]
    )
    assert result.exit_code == 0
    assert not (tmp_path / "report.png").exists()


def test_invalid_records_are_skipped_by_name_and_field_with_exit_1(tmp_path: Path):
    good = example_data("CM-2009")
    bad = example_data("CM-2010")
    bad["plan"]["goals"][0]["target"]["due_date"] = "2024-02-30"
    (tmp_path / "good.json").write_text(json.dumps(good))
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    (tmp_path / "broken.json").write_text("{not json")
    result = CliRunner().invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["cases_read"] == 1
    reasons = {s["record"]: s["reason"] for s in report["skipped"]}
    assert reasons["case CM-2010"].startswith("plan.goals[0].target.due_date:")
    assert "2024-02-30" not in result.stderr
    assert "skipped case CM-2010: plan.goals[0].target.due_date" in result.stderr
    assert "broken.json" in result.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--period", "2024-01-01"], "--period: the period is FROM..TO"),
        (["--period", "2024-06-30..2024-01-01"], "starts after it ends"),
        (["--period", "2024-02-30..2024-03-31"], "FROM is not a calendar date"),
        (["--program", "dental"], "--program: unknown program 'dental'; one of: complex-care"),
        (["--format", "html"], "--format html needs --out FILE"),
        (["--from-ledger"], "give CASES_DIR or --from-ledger"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(args, says, examples: Path):
    result = CliRunner().invoke(app, ["report", str(examples), *args])
    assert result.exit_code == 2
    assert says in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_missing_cases_dir_is_exit_2(tmp_path: Path):
    result = CliRunner().invoke(app, ["report", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "no such file or directory" in result.output

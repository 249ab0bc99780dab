from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from adapter.cli import app
from adapter.mappings.bundle import bundle_to_case

GOLDEN = Path(__file__).parents[2] / "golden"
runner = CliRunner()


def test_map_prints_the_golden_bundle():
    result = runner.invoke(app, ["map", str(GOLDEN / "transferred.internal.json")])
    assert result.exit_code == 0, result.output
    expected = json.loads((GOLDEN / "transferred.fhir.json").read_text())
    assert json.loads(result.stdout) == expected


def test_map_reverse_prints_the_case(tmp_path):
    result = runner.invoke(app, ["map", "--reverse", str(GOLDEN / "deceased.fhir.json")])
    assert result.exit_code == 0, result.output
    internal = json.loads((GOLDEN / "deceased.internal.json").read_text())
    assert json.loads(result.stdout)["client"]["deceased_on"] == internal["client"]["deceased_on"]


def test_map_bad_case_is_one_error_line_naming_file_record_and_field(tmp_path):
    data = json.loads((GOLDEN / "transferred.internal.json").read_text())
    data["tasks"][0]["status"] = "lost"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    result = runner.invoke(app, ["map", str(path)])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert str(path) in lines[0]
    assert "CM-2024-0008" in lines[0]
    assert "tasks[0].status" in lines[0]
    assert "Traceback" not in result.output


def test_map_reverse_bad_code_names_resource_and_element(tmp_path):
    bundle = json.loads((GOLDEN / "transferred.fhir.json").read_text())
    task = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Task")
    task["status"] = "entered-in-error"
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    result = runner.invoke(app, ["map", "--reverse", str(path)])
    assert result.exit_code == 1
    assert f"Task/{task['id']}/Task.status" in result.stderr
    assert "entered-in-error" in result.stderr


def test_map_unreadable_file_is_a_clean_error(tmp_path):
    result = runner.invoke(app, ["map", str(tmp_path / "missing.json")])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ")


def test_unknown_extensions_are_ignored_with_a_warning():
    bundle = json.loads((GOLDEN / "transferred.fhir.json").read_text())
    goal = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Goal")
    goal.setdefault("extension", []).append({"url": "http://example.org/x", "valueString": "y"})
    warnings: list[str] = []
    bundle_to_case(bundle, warnings=warnings)
    assert warnings == [f"Goal/{goal['id']}: extension http://example.org/x ignored"]


def test_map_reverse_of_malformed_fhir_names_each_bad_resource_and_never_tracebacks(tmp_path):
    bundle = json.loads((GOLDEN / "deceased.fhir.json").read_text())
    goal = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Goal")
    goal["description"] = "a string where a CodeableConcept belongs"
    patient = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    )
    patient["name"] = "Doe"  # a string where a list of HumanName belongs
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bundle))

    result = runner.invoke(app, ["map", "--reverse", str(path)])

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"Goal/{goal['id']}: not valid FHIR: Goal.description" in result.stderr
    assert f"Patient/{patient['id']}: not valid FHIR: Patient.name" in result.stderr
    assert "Doe" not in result.stderr  # never the value
    assert result.stderr.strip().splitlines()[-1].startswith("error: ")


def test_map_reverse_of_a_bundle_whose_entries_are_not_a_list_is_one_line(tmp_path):
    path = tmp_path / "odd.json"
    path.write_text(json.dumps({"resourceType": "Bundle", "type": "collection", "entry": 7}))
    result = runner.invoke(app, ["map", "--reverse", str(path)])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: {path}: Bundle.entry: not a list"

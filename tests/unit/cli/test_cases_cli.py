"""``adapter validate``, ``adapter case show|export`` and ``adapter --version``: no server."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from adapter import __version__
from adapter.cli import app
from adapter.sync.ledger import Ledger
from tests.support.casefiles import example_data


def _ledger_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.sqlite'}"


def test_version():
    result = CliRunner().invoke(app, ["--version"])
    assert (result.exit_code, result.stdout) == (0, f"cm-fhir-adapter {__version__}\n")


def test_validate_names_each_invalid_case_and_exits_1(tmp_path: Path):
    good = example_data("CM-2001")
    bad = example_data("CM-2002")
    bad["tasks"][0]["owner_id"] = "nobody"
    (tmp_path / "good.json").write_text(json.dumps(good))
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    (tmp_path / "broken.json").write_text("{not json")
    args = ["validate", str(tmp_path), "--ledger", _ledger_url(tmp_path)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert "3 cases checked: 1 valid, 2 invalid" in result.stdout
    assert f"{bad['id']}: case {bad['id']}: tasks[0].owner_id:" in result.stdout
    assert "broken.json" in result.stdout
    shape = json.loads(CliRunner().invoke(app, [*args, "--json"]).stdout)
    assert (shape["cases"], shape["invalid"]) == (3, 2)
    assert {r["case"] for r in shape["results"] if r["valid"]} == {good["id"]}


def test_validate_checks_status_changes_against_the_stored_case(tmp_path: Path):
    case = example_data("CM-2001")
    done = json.loads(json.dumps(case))
    done["tasks"][1]["status"] = "completed"  # T-2 completed (it has an outcome)
    with Ledger.open(_ledger_url(tmp_path)) as ledger:
        ledger.put_case(case["id"], done, source="test")
    (tmp_path / "stale.json").write_text(json.dumps(case))  # T-2 back to in-progress
    result = CliRunner().invoke(
        app, ["validate", str(tmp_path / "stale.json"), "--ledger", _ledger_url(tmp_path)]
    )
    assert result.exit_code == 1
    assert "tasks[1].status" in result.stdout


def test_case_show_and_export_give_the_stored_documents(tmp_path: Path):
    case = example_data("CM-2001")
    with Ledger.open(_ledger_url(tmp_path)) as ledger:
        ledger.put_case(case["id"], case, source="test")
    ledger_arg = ["--ledger", _ledger_url(tmp_path)]
    shown = CliRunner().invoke(app, ["case", "show", case["id"], "--json", *ledger_arg])
    assert shown.exit_code == 0
    assert json.loads(shown.stdout) == json.loads(json.dumps(case))
    missing = CliRunner().invoke(app, ["case", "show", "NOPE-1", *ledger_arg])
    assert missing.exit_code == 1
    out = tmp_path / "export"
    exported = CliRunner().invoke(app, ["case", "export", "--out", str(out), *ledger_arg])
    assert exported.exit_code == 0
    assert json.loads((out / f"{case['id']}.json").read_text())["id"] == case["id"]

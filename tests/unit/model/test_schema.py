"""The JSON Schema of the input format: generated, checked in, and printed by the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from adapter.cli import app
from adapter.model.schema import case_json_schema, case_json_schema_text

CHECKED_IN = Path(__file__).parents[3] / "docs" / "case.schema.json"


def test_checked_in_schema_equals_the_generated_one():
    assert CHECKED_IN.read_text(encoding="utf-8") == case_json_schema_text(), (
        "docs/case.schema.json is stale: run `adapter schema --output docs/case.schema.json`"
    )


def test_schema_lists_the_closure_reasons_and_forbids_unknown_fields():
    schema = case_json_schema()
    assert schema["$defs"]["ClosureReason"]["enum"][0] == "goals-achieved"
    assert schema["additionalProperties"] is False
    assert {"id", "program", "status", "client", "referral", "opened_on"} <= set(schema["required"])


def test_cli_prints_the_schema():
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == case_json_schema()


def test_cli_writes_the_schema_to_a_file(tmp_path):
    target = tmp_path / "case.schema.json"
    result = CliRunner().invoke(app, ["schema", "--output", str(target)])
    assert result.exit_code == 0
    assert target.read_text(encoding="utf-8") == case_json_schema_text()

"""``adapter document``: a case (a file or a stored case) as a FHIR document; no server."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from adapter.cli import app
from adapter.fhir.json_body import dumps_text
from adapter.mappings.documents import transition_document
from adapter.model import parse_case
from adapter.sync.ledger import Ledger
from adapter.sync.ledger.cases import API_SOURCE
from tests.support.casefiles import example_data

BASE = "http://127.0.0.1:9/fhir"


def _args(tmp_path: Path, *args: str) -> list[str]:
    return ["document", *args, "--server", BASE, "--ledger", f"sqlite:///{tmp_path / 'l.db'}"]


def _case_file(tmp_path: Path, prefix: str = "CM-2001") -> Path:
    path = tmp_path / f"{prefix}.json"
    path.write_text(json.dumps(example_data(prefix)))
    return path


def test_a_case_file_prints_its_transition_document(tmp_path: Path):
    path = _case_file(tmp_path)
    result = CliRunner().invoke(app, _args(tmp_path, str(path), "--kind", "transition"))
    assert result.exit_code == 0, result.output
    expected = transition_document(parse_case(example_data("CM-2001")), base_url=BASE)
    assert result.stdout == dumps_text(expected) + "\n"


def test_out_writes_the_same_bytes_every_run(tmp_path: Path):
    path = _case_file(tmp_path, "CM-2005")
    out = tmp_path / "doc.json"
    written = []
    for _ in range(2):
        result = CliRunner().invoke(
            app, _args(tmp_path, str(path), "--kind", "episode", "--out", str(out))
        )
        assert result.exit_code == 0, result.output
        assert "case CM-2005: episode document" in result.stdout
        written.append(out.read_bytes())
    assert written[0] == written[1]
    assert json.loads(written[0])["type"] == "collection"


def test_a_stored_case_by_its_id_with_a_json_summary(tmp_path: Path):
    data = example_data("CM-2002")
    with Ledger.open(f"sqlite:///{tmp_path / 'l.db'}") as ledger:
        ledger.put_case(data["id"], data, source=API_SOURCE)
    out = tmp_path / "t.json"
    result = CliRunner().invoke(app, _args(tmp_path, data["id"], "--out", str(out), "--json"))
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    document = json.loads(out.read_text())
    assert summary == {
        "case": data["id"],
        "kind": "transition",
        "type": "document",
        "identifier": document["identifier"]["value"],
        "timestamp": document["timestamp"],
        "entries": len(document["entry"]),
        "out": str(out),
    }
    inline = json.loads(CliRunner().invoke(app, _args(tmp_path, data["id"], "--json")).stdout)
    assert inline["bundle"] == document


def test_unknown_case_exits_1_naming_it(tmp_path: Path):
    result = CliRunner().invoke(app, _args(tmp_path, "NO-SUCH-CASE"))
    assert result.exit_code == 1
    assert "no stored case NO-SUCH-CASE" in result.output


def test_an_invalid_case_file_names_the_field_not_the_value(tmp_path: Path):
    data = example_data("CM-2001")
    data["client"]["gender"] = "Quillfeather"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    result = CliRunner().invoke(app, _args(tmp_path, str(path)))
    assert result.exit_code == 1
    assert "client.gender" in result.output
    assert "Quillfeather" not in result.output


def test_an_unknown_kind_is_a_usage_error(tmp_path: Path):
    path = _case_file(tmp_path)
    result = CliRunner().invoke(app, _args(tmp_path, str(path), "--kind", "discharge"))
    assert result.exit_code == 2


def test_a_case_from_stdin(tmp_path: Path):
    data = example_data("CM-2008")
    result = CliRunner().invoke(
        app, _args(tmp_path, "-", "--kind", "episode"), input=json.dumps(data)
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["type"] == "collection"

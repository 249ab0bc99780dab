"""Reading case files: one case, an array, a directory; unreadable files become inputs with a
problem; a directory is read one file at a time."""

from __future__ import annotations

import json
from pathlib import Path

from adapter.sync.push.inputs import case_files, iter_inputs, read_inputs


def _write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_a_directory_is_read_in_name_order_with_arrays_expanded(tmp_path: Path):
    _write(tmp_path / "b.json", [{"id": "CM-2"}, {"id": "CM-3"}])
    _write(tmp_path / "a.json", {"id": "CM-1"})
    (tmp_path / "notes.txt").write_text("not a case")

    inputs = read_inputs(tmp_path)

    assert [i.case_id for i in inputs] == ["CM-1", "CM-2", "CM-3"]
    assert [Path(i.source).name for i in inputs] == ["a.json", "b.json", "b.json"]
    assert [f.name for f in case_files(tmp_path)] == ["a.json", "b.json"]


def test_unreadable_files_become_inputs_named_after_the_file(tmp_path: Path):
    (tmp_path / "broken.json").write_text("{not json")
    _write(tmp_path / "list.json", [{"no": "id"}, {"id": "CM-9"}])

    inputs = read_inputs(tmp_path)

    assert inputs[0].case_id == "broken.json"
    assert inputs[0].problem is not None
    assert inputs[0].problem.startswith("not JSON")
    assert [i.case_id for i in inputs[1:]] == ["list.json#0", "CM-9"]


def test_a_directory_is_read_lazily_one_file_at_a_time(tmp_path: Path):
    _write(tmp_path / "a.json", {"id": "CM-1"})
    second = _write(tmp_path / "b.json", {"id": "CM-2"})
    stream = iter_inputs(tmp_path)

    assert next(stream).case_id == "CM-1"
    second.unlink()  # not read yet: its absence shows up only when it is asked for
    missing = next(stream)

    assert missing.case_id == "b.json"
    assert missing.problem is not None
    assert missing.problem.startswith("cannot read the file")

"""Untrusted JSON files: anything that is not a regular file, not JSON, or nested absurdly
deep is one InputError naming the file, never a hang or a RecursionError."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adapter.cli import app
from adapter.errors import InputError
from adapter.jsonfile import MAX_DEPTH, nesting_depth, read_json
from adapter.sync.push.inputs import read_source


def _nested(depth: int) -> str:
    return '{"id": "DEEP-1", "x": ' + "[" * depth + "]" * depth + "}"


@pytest.mark.parametrize("depth", [MAX_DEPTH, 900, 100_000])
def test_json_nested_too_deeply_is_refused_by_name(depth: int, tmp_path: Path):
    path = tmp_path / "deep.json"
    path.write_text(_nested(depth))
    with pytest.raises(InputError) as refused:
        read_json(path)
    assert refused.value.record == "file deep.json"
    assert refused.value.reason == f"nested deeper than {MAX_DEPTH} levels"


def test_json_within_the_depth_is_read(tmp_path: Path):
    path = tmp_path / "ok.json"
    path.write_text(_nested(MAX_DEPTH - 2))
    assert read_json(path)["id"] == "DEEP-1"
    assert nesting_depth(read_json(path)) == MAX_DEPTH - 1


def test_a_fifo_is_refused_at_once_instead_of_waiting_for_a_writer(tmp_path: Path):
    fifo = tmp_path / "x.json"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        read_json(fifo)


def test_a_directory_named_like_a_case_file_is_refused(tmp_path: Path):
    (tmp_path / "d.json").mkdir()
    with pytest.raises(InputError, match="not a regular file"):
        read_json(tmp_path / "d.json")


def test_nesting_depth_counts_objects_and_arrays():
    values: list[object] = [1, "x", {}, [[]], {"a": [{"b": 1}]}]
    assert [nesting_depth(v) for v in values] == [0, 0, 1, 2, 3]


def test_push_sources_turn_bad_files_into_inputs_with_a_problem(tmp_path: Path):
    os.mkfifo(tmp_path / "f.json")
    (tmp_path / "deep.json").write_text(_nested(100_000))
    [fifo] = read_source(tmp_path / "f.json")
    [deep] = read_source(tmp_path / "deep.json")
    assert (fifo.case_id, fifo.document) == ("f.json", None)
    assert fifo.problem is not None
    assert fifo.problem.startswith("not a regular file")
    assert deep.problem == f"nested deeper than {MAX_DEPTH} levels"


@pytest.mark.parametrize("reverse", [False, True])
def test_map_refuses_a_deep_file_in_one_line(reverse: bool, tmp_path: Path):
    path = tmp_path / "deep.json"
    path.write_text(_nested(100_000))
    args = ["map", str(path), *(["--reverse"] if reverse else [])]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert result.output.strip() == f"error: {path}: nested deeper than {MAX_DEPTH} levels"
    assert result.exception is None or isinstance(result.exception, SystemExit)

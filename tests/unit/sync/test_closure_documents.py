"""ADAPTER_DOCUMENTS_ON_CLOSE: a closed case version's document, written once per version."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from adapter.errors import ConfigError
from adapter.fhir.json_body import dumps_text
from adapter.mappings.documents import transition_document
from adapter.model import parse_case
from adapter.settings import load_settings
from adapter.sync.documents import ClosureDocuments
from tests.support.casefiles import example_data

BASE = "http://127.0.0.1:9/fhir"


def _documents(tmp_path: Path, kind: str = "transition") -> ClosureDocuments:
    settings = load_settings(
        fhir_base_url=BASE, documents_on_close=kind, documents_dir=tmp_path / "docs"
    )
    documents = ClosureDocuments.from_settings(settings)
    assert documents is not None
    return documents


def test_a_closed_case_gets_its_document_with_the_same_bytes_every_time(tmp_path: Path):
    documents = _documents(tmp_path)
    case = parse_case(example_data("CM-2016"))  # closed: transferred
    path = documents.accepted(case)
    assert path is not None
    assert path.parent == tmp_path / "docs"
    assert path.name.startswith("CM-2016.transition.")
    first = path.read_bytes()
    assert first.decode() == dumps_text(transition_document(case, base_url=BASE)) + "\n"
    assert documents.accepted(case) == path
    assert path.read_bytes() == first
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no partial file left


def test_a_later_version_of_the_closed_case_is_a_new_file(tmp_path: Path):
    documents = _documents(tmp_path, "episode")
    data = example_data("CM-2013")
    first = documents.accepted(parse_case(data))
    data["closure_note"] = "Corrected note"
    second = documents.accepted(parse_case(data))
    assert first is not None
    assert second is not None
    assert first != second
    assert json.loads(second.read_text())["type"] == "collection"


def test_open_and_cancelled_cases_get_none(tmp_path: Path):
    documents = _documents(tmp_path)
    for prefix in ("CM-2001", "CM-2017"):  # active, cancelled
        assert documents.accepted(parse_case(example_data(prefix))) is None
    assert not (tmp_path / "docs").exists()


def test_a_directory_that_cannot_be_written_is_logged_without_the_document(tmp_path, caplog):
    blocker = tmp_path / "docs"
    blocker.write_text("a file where the directory should be")
    documents = _documents(tmp_path)
    data = example_data("CM-2016")
    data["client"]["name"]["family"] = "Quillfeather"
    with caplog.at_level(logging.DEBUG):
        assert documents.accepted(parse_case(data)) is None
    assert "CM-2016" in caplog.text
    assert "could not be written" in caplog.text
    assert "Quillfeather" not in caplog.text


def test_unset_means_no_documents_and_a_kind_needs_a_directory():
    assert ClosureDocuments.from_settings(load_settings()) is None
    with pytest.raises(ConfigError, match="ADAPTER_DOCUMENTS_DIR"):
        load_settings(documents_on_close="transition")

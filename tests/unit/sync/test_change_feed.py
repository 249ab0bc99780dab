"""The change feed: field deltas of a case, rows numbered with the stored case, cursors."""

from __future__ import annotations

import pytest

from adapter.errors import InputError
from adapter.sync.feed import FeedChange, Origin, case_deltas
from adapter.sync.ledger import Ledger
from adapter.sync.ledger.feed import MAX_CURSOR, parse_cursor
from tests.support.ledger import SERVER


def test_deltas_name_fields_in_the_input_format_and_match_records_by_id():
    before = {"id": "C", "tasks": [{"id": "T-1", "status": "requested"}, {"id": "T-2"}]}
    after = {
        "id": "C",
        "tasks": [{"id": "T-2", "status": "completed"}, {"id": "T-1", "status": "requested"}],
        "plan": {"goals": [{"id": "G-1", "achievement": "achieved"}]},
    }
    deltas = [(d.path, d.old, d.new) for d in case_deltas(before, after)]
    assert deltas == [
        ("tasks[0].status", None, "completed"),
        ("plan", None, {"goals": [{"id": "G-1", "achievement": "achieved"}]}),
    ]


@pytest.mark.parametrize("text", ["", "0", "17", str(MAX_CURSOR)])
def test_a_cursor_is_a_whole_number_up_to_63_bits(text: str):
    assert parse_cursor(text) == (int(text) if text else 0)


@pytest.mark.parametrize("text", ["-1", "1.5", "abc", str(2**63), str(2**64), "١٢", " 1 2"])
def test_anything_else_is_an_input_error_naming_the_cursor(text: str):
    with pytest.raises(InputError) as caught:
        parse_cursor(text)
    assert caught.value.field == "cursor"


def _change(case_id: str, path: str) -> FeedChange:
    return FeedChange(case_id, path, "in-progress", "completed", Origin.PULL, "Task", "t1", "2")


def test_rows_are_written_with_the_stored_case_and_read_after_a_cursor(ledger: Ledger, run_id: int):
    assert ledger.feed_cursor() == 0
    ledger.record_pulled(
        run_id, SERVER, "C-1", document={"id": "C-1"}, results=[],
        feed=[_change("C-1", "tasks[0].status"), _change("C-1", "tasks[1].status")],
    )  # fmt: skip
    # A case that did not change stores no rows, even if asked to.
    ledger.record_pulled(
        run_id, SERVER, "C-2", document=None, results=[], feed=[_change("C-2", "x")]
    )
    ledger.record_pulled(
        run_id, SERVER, "C-3", document={"id": "C-3"}, results=[], feed=[_change("C-3", "status")]
    )
    rows = ledger.changes_since(0)
    assert [(r.case_id, r.path) for r in rows] == [
        ("C-1", "tasks[0].status"), ("C-1", "tasks[1].status"), ("C-3", "status"),
    ]  # fmt: skip
    assert [r.id for r in rows] == sorted(r.id for r in rows)
    assert ledger.feed_cursor() == rows[-1].id
    assert [r.path for r in ledger.changes_since(rows[0].id, limit=1)] == ["tasks[1].status"]
    assert ledger.cases_changed_since(rows[1].id) == ["C-3"]
    assert ledger.cases_changed_since(rows[-1].id) == []
    assert rows[0].to_dict()["resource"] == {"type": "Task", "id": "t1", "version": "2"}

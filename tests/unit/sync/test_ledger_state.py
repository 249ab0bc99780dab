from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from adapter.errors import LedgerError
from adapter.sync.ledger import Ledger
from adapter.sync.ledger.records import SyncedResource
from adapter.sync.ledger.schema import ReasonCode, RunKind
from tests.support.ledger import SERVER


def test_watermark_round_trip_in_utc(ledger: Ledger):
    assert ledger.watermark(SERVER, "pull") is None
    server_time = datetime(2024, 5, 1, 14, 30, 15, 123000, tzinfo=timezone(timedelta(hours=2)))
    ledger.set_watermark(SERVER, "pull", server_time)
    stored = ledger.watermark(SERVER, "pull")
    assert stored == server_time
    assert stored is not None
    assert stored.tzinfo is UTC
    assert stored.hour == 12
    later = server_time + timedelta(minutes=5)
    ledger.set_watermark(SERVER, "pull", later)
    assert ledger.watermark(SERVER, "pull") == later
    assert ledger.watermark(SERVER, "history") is None


def test_naive_datetimes_are_refused(ledger: Ledger):
    with pytest.raises(LedgerError, match="naive datetime"):
        ledger.set_watermark(SERVER, "pull", datetime(2024, 5, 1, 12, 0))


def test_settings_round_trip_and_ensure_keeps_the_first_value(ledger: Ledger):
    assert ledger.get_setting("namespace") is None
    assert ledger.ensure_setting("namespace", "ns-1") == "ns-1"
    assert ledger.ensure_setting("namespace", "ns-2") == "ns-1"
    ledger.set_setting("namespace", "ns-3")
    assert ledger.get_setting("namespace") == "ns-3"


def test_conflicts_are_kept_until_resolved(ledger: Ledger, run_id: int):
    conflict = ledger.record_conflict(
        SERVER,
        "CM-1",
        ("Task", "cm-task-1"),
        local_version="3",
        server_version="5",
        fields=["status", "output"],
        detail={"ours": {"status": "in-progress"}, "theirs": {"status": "completed"}},
        run_id=run_id,
    )
    assert ledger.conflicts() == [conflict]
    assert ledger.conflicts(case_id="CM-2") == []
    assert conflict.fields == ["status", "output"]
    resolved = ledger.resolve_conflict(conflict.id)
    assert resolved.resolved_at is not None
    assert ledger.conflicts() == []
    assert ledger.conflicts(open_only=False) == [resolved]


def test_counts_summarise_the_ledger(ledger: Ledger, run_id: int):
    ledger.record_success(
        run_id,
        SERVER,
        "CM-1",
        [
            SyncedResource("Goal", "g-1", "1", "a" * 64),
            SyncedResource("Goal", "g-2", "1", "b" * 64),
        ],
    )
    ledger.record_failure(
        run_id,
        SERVER,
        "CM-2",
        reason=ReasonCode.DUPLICATE_IDENTITY,
        error_class="AmbiguousMatch",
        message="conditional update matched 2 resources",
        resources=[("EpisodeOfCare", "eoc-2")],
    )
    ledger.record_conflict(
        SERVER, "CM-1", ("Goal", "g-1"), local_version="1", server_version="2", fields=[]
    )
    counts = ledger.counts()
    assert counts.entries_by_type == {"Goal": 2, "EpisodeOfCare": 1}
    assert counts.entries == 3
    assert counts.failing_entries == 1
    assert counts.open_dead_letters_by_reason == {ReasonCode.DUPLICATE_IDENTITY: 1}
    assert (counts.open_conflicts, counts.running_runs) == (1, 1)
    assert ledger.counts("https://other.example.org/fhir").entries == 0


def test_a_closed_ledger_can_be_reopened_with_its_state(ledger_url: str):
    with Ledger.open(ledger_url) as first:
        run = first.start_run(RunKind.IMPORT, SERVER)
        first.record_success(run.id, SERVER, "CM-1", [SyncedResource("Goal", "g-1", "4", "d" * 64)])
    with Ledger.open(ledger_url) as second:
        assert second.known(SERVER, [("Goal", "g-1")])
        assert second.runs()[0].id == run.id


def test_watermarks_lists_every_server_a_stream_has_read(ledger: Ledger):
    first = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    ledger.set_watermark(SERVER, "pull", first)
    ledger.set_watermark("https://other.example.org/fhir", "pull", first + timedelta(hours=1))
    ledger.set_watermark(SERVER, "history", first)

    assert ledger.watermarks("pull") == {
        SERVER: first,
        "https://other.example.org/fhir": first + timedelta(hours=1),
    }
    assert ledger.watermarks("import") == {}

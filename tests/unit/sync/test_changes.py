"""Watermark, overlap, dedupe and echo rules of an incremental pull, on small in-memory data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from adapter.sync.hashing import content_hash
from adapter.sync.ledger.letters import RESEND_HASH
from adapter.sync.ledger.records import Entry, ResourceKey
from adapter.sync.pull.changes import (
    Change,
    fresh,
    history_time,
    latest_changes,
    parse_entry,
    query_since,
    suspects,
)

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def version(kind: str, ident: str, vid: str, **body: Any) -> dict[str, Any]:
    resource = {"resourceType": kind, "id": ident, "meta": {"versionId": vid}, **body}
    return {
        "fullUrl": f"http://x/fhir/{kind}/{ident}",
        "resource": resource,
        "request": {"method": "PUT", "url": f"{kind}/{ident}/_history/{vid}"},
    }


def deletion(kind: str, ident: str, vid: str) -> dict[str, Any]:
    return {
        "fullUrl": f"http://x/fhir/{kind}/{ident}",
        "request": {"method": "DELETE", "url": f"{kind}/{ident}/_history/{vid}"},
    }


def entry(kind: str, ident: str, vid: str | None, digest: str = "h") -> Entry:
    return Entry(
        server_url="http://x/fhir", resource_type=kind, resource_id=ident, case_id="CM-1",
        internal_key=None, version_id=vid, content_hash=digest, last_synced_at=T0, attempts=0,
        last_error_class=None, last_error_at=None, last_run_id=1,
    )  # fmt: skip


def test_first_pull_reads_everything_and_later_pulls_start_one_overlap_early():
    assert query_since(None, timedelta(minutes=5)) is None
    assert query_since(T0, timedelta(minutes=5)) == T0 - timedelta(minutes=5)


def test_server_time_comes_from_the_bundle_meta_never_the_local_clock():
    page = {"resourceType": "Bundle", "meta": {"lastUpdated": "2026-01-05T12:00:00.250+00:00"}}
    assert history_time(page) == T0 + timedelta(milliseconds=250)
    assert history_time({"resourceType": "Bundle"}) is None
    assert history_time({"meta": {"lastUpdated": "2026-01-05T12:00:00"}}) is None  # no zone


def test_delete_entry_takes_type_id_and_version_from_the_request_url():
    change = parse_entry(deletion("Task", "t1", "4"))
    assert change == Change("Task", "t1", "4", None)
    assert change.deleted


def test_delete_entry_without_a_version_falls_back_to_the_full_url():
    change = parse_entry({"fullUrl": "http://x/fhir/Goal/g1", "request": {"method": "DELETE"}})
    assert change == Change("Goal", "g1", None, None)


def test_entry_naming_no_resource_is_ignored():
    assert parse_entry({"request": {"method": "DELETE", "url": "_history"}}) is None
    assert parse_entry({"resource": {"id": "x"}}) is None


def test_repeated_entries_from_the_overlap_and_shifted_pages_collapse_to_one():
    entries = [version("Task", "t1", "2"), version("Task", "t1", "2"), version("Goal", "g", "1")]
    changes = latest_changes(entries)
    assert sorted(c.key for c in changes) == [("Goal", "g"), ("Task", "t1")]


def test_the_highest_version_wins_whatever_the_order():
    entries = [version("Task", "t1", "2"), version("Task", "t1", "10"), version("Task", "t1", "3")]
    [change] = latest_changes(entries)
    assert change.version_id == "10"


def test_a_delete_is_the_newest_version_of_its_resource():
    [change] = latest_changes([deletion("Task", "t1", "3"), version("Task", "t1", "2")])
    assert change.deleted
    assert change.version_id == "3"


def test_types_outside_the_case_resources_are_dropped():
    entries = [version("Task", "t1", "1"), version("Medication", "m", "1")]
    changes = latest_changes(entries, types=frozenset({"Task"}))
    assert [c.key for c in changes] == [ResourceKey("Task", "t1")]


def test_our_own_write_echoing_back_is_not_news():
    changes = latest_changes([version("Task", "t1", "2"), version("Goal", "g", "5")])
    known = {ResourceKey("Task", "t1"): entry("Task", "t1", "2")}
    assert [c.key for c in fresh(changes, known)] == [ResourceKey("Goal", "g")]


def test_a_version_older_than_the_ledgers_is_not_news_but_a_newer_one_is():
    changes = latest_changes([version("Task", "t1", "2"), version("Goal", "g", "5")])
    known = {
        ResourceKey("Task", "t1"): entry("Task", "t1", "3"),
        ResourceKey("Goal", "g"): entry("Goal", "g", "4"),
    }
    assert [c.key for c in fresh(changes, known)] == [ResourceKey("Goal", "g")]


def test_without_versions_to_compare_a_change_counts_as_news():
    changes = [Change("Task", "t1", None, {"resourceType": "Task"})]
    known = {ResourceKey("Task", "t1"): entry("Task", "t1", "3")}
    assert fresh(changes, known) == changes
    unversioned = {ResourceKey("Task", "t1"): entry("Task", "t1", None)}
    assert fresh(latest_changes([version("Task", "t1", "1")]), unversioned) != []


def test_opaque_version_ids_differing_from_the_ledgers_are_news():
    changes = latest_changes([version("Task", "t1", "b7f")])
    assert fresh(changes, {ResourceKey("Task", "t1"): entry("Task", "t1", "a01")}) == changes
    assert fresh(changes, {ResourceKey("Task", "t1"): entry("Task", "t1", "b7f")}) == []


def test_a_known_version_with_other_content_is_a_suspect_and_the_same_content_is_not():
    ours = {"resourceType": "Task", "id": "t1", "status": "in-progress", "note": [{"n": 21000.00}]}
    digest = content_hash(ours)
    echo = latest_changes([version("Task", "t1", "3", status="in-progress", note=[{"n": 21000}])])
    rewound = latest_changes([version("Task", "t1", "2", status="completed")])
    newer = latest_changes([version("Task", "t1", "4", status="completed")])
    known = {ResourceKey("Task", "t1"): entry("Task", "t1", "3", digest)}
    assert suspects(echo, known) == []  # our own write; 21000 and 21000.00 are one number
    assert suspects(rewound, known) == rewound  # below our version, other content
    assert suspects(newer, known) == []  # news, not a suspect
    assert suspects(latest_changes([deletion("Task", "t1", "2")]), known) == []
    assert suspects(rewound, {}) == []


def test_a_resource_a_person_chose_to_overwrite_is_no_suspect():
    # `conflicts resolve --take local` marks the entry to be sent again: the server's copy
    # differs from it on purpose, which is not the server going back in time.
    known = {ResourceKey("Task", "t1"): entry("Task", "t1", "3", RESEND_HASH)}
    same_version = latest_changes([version("Task", "t1", "3", status="completed")])
    assert suspects(same_version, known) == []
    assert fresh(same_version, known) == []

"""``Ledger.known`` looks types and ids up separately (so SQLite uses its index) and must still
answer exactly the (type, id) pairs asked for."""

from __future__ import annotations

from adapter.sync.ledger import Ledger
from adapter.sync.ledger.records import ResourceKey, SyncedResource
from tests.support.ledger import SERVER


def test_known_answers_only_the_pairs_asked_for_not_their_cross_product(
    ledger: Ledger, run_id: int
):
    digest = "b" * 64
    ledger.record_success(
        run_id,
        SERVER,
        "CM-1",
        [
            SyncedResource("Goal", "x", "1", digest),
            SyncedResource("Task", "y", "1", digest),
            SyncedResource("Goal", "y", "1", digest),
            SyncedResource("Task", "x", "1", digest),
        ],
    )
    known = ledger.known(SERVER, [("Goal", "x"), ("Task", "y")])
    assert set(known) == {ResourceKey("Goal", "x"), ResourceKey("Task", "y")}


def test_a_newer_version_recorded_in_the_run_is_kept_only_for_its_own_pair(
    ledger: Ledger, run_id: int
):
    digest = "c" * 64
    ledger.record_success(run_id, SERVER, "CM-1", [SyncedResource("Goal", "x", "5", digest)])
    ledger.record_success(
        run_id,
        SERVER,
        "CM-2",
        [SyncedResource("Goal", "x", "3", digest), SyncedResource("Task", "x", "2", digest)],
    )
    known = ledger.known(SERVER, [("Goal", "x"), ("Task", "x")])
    assert known[ResourceKey("Goal", "x")].version_id == "5"
    assert known[ResourceKey("Task", "x")].version_id == "2"

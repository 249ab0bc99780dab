"""When the marker rides a transaction, and when the run still needs its own PUT."""

from __future__ import annotations

from adapter.fhir.results import EntryResult
from adapter.sync.push.marker import MARKER_TYPE, marker_id
from adapter.sync.push.ride import MarkerRide


def _ride(available: bool = True) -> tuple[MarkerRide, list[str]]:
    recorded: list[str] = []

    async def record(version: str) -> None:
        recorded.append(version)

    return MarkerRide(available=available, namespace="ns", record=record), recorded


def _answer(version: str | None) -> EntryResult:
    return EntryResult(status=200, resource_type=MARKER_TYPE, id="x", version_id=version)


async def test_the_only_transaction_carries_the_marker_and_covers_the_run():
    ride, recorded = _ride()
    entry = ride.board(3, None)
    assert entry is not None
    assert entry["request"] == {"method": "PUT", "url": f"{MARKER_TYPE}/{marker_id('ns')}"}
    await ride.arrived(_answer("7"))
    assert recorded == ["7"]
    assert ride.covers_run


async def test_a_second_transaction_means_a_put_after_the_run():
    ride, _ = _ride()
    assert ride.board(3, None) is not None
    assert ride.board(2, None) is None  # in flight at the same time: goes without
    await ride.arrived(_answer("7"))
    assert not ride.covers_run
    assert ride.board(1, None) is None  # carried once is enough


async def test_a_failed_carrier_ends_the_ride():
    ride, recorded = _ride()
    assert ride.board(3, None) is not None
    ride.missed()
    assert ride.board(3, None) is None
    assert recorded == []
    assert not ride.covers_run


async def test_no_ride_when_not_offered_or_no_room_under_the_cap():
    closed, _ = _ride(available=False)
    assert closed.board(1, None) is None
    full, _ = _ride()
    assert full.board(50, 50) is None
    assert full.board(49, 50) is not None


async def test_an_answer_without_a_version_is_never_taken_as_moved():
    ride, recorded = _ride()
    assert ride.board(1, None) is not None
    await ride.arrived(_answer(None))
    assert recorded == []
    assert not ride.covers_run

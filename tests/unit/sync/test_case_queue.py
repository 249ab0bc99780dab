"""work_through: lazy, capped, one key's items in order, results in input order."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from adapter.sync.push.queue import work_through


def _key(item: tuple[str, int]) -> str:
    return item[0]


async def test_results_come_back_in_input_order_whatever_finishes_first():
    items = [("a", 3), ("b", 1), ("c", 2), ("d", 0)]

    async def work(item: tuple[str, int]) -> str:
        await asyncio.sleep(item[1] / 1000)
        return item[0]

    assert await work_through(items, key=_key, work=work, concurrency=4) == ["a", "b", "c", "d"]


async def test_at_most_concurrency_run_at_once_and_inputs_are_pulled_lazily():
    pulled: list[int] = []
    running = peak = 0

    def source() -> Iterator[tuple[str, int]]:
        for n in range(50):
            pulled.append(n)
            yield (f"case-{n}", n)

    async def work(item: tuple[str, int]) -> int:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        # When an item starts, no more than the items in flight have been read.
        assert len(pulled) <= item[1] + 1
        assert len(pulled) - item[1] <= 3
        await asyncio.sleep(0)
        running -= 1
        return item[1]

    assert await work_through(source(), key=_key, work=work, concurrency=3) == list(range(50))
    assert peak == 3


async def test_items_of_one_key_run_one_after_the_other_in_input_order():
    items = [("x", 1), ("y", 1), ("x", 2), ("x", 3), ("y", 2)]
    log: list[str] = []
    active: set[str] = set()

    async def work(item: tuple[str, int]) -> None:
        assert item[0] not in active  # never two versions of one case at once
        active.add(item[0])
        log.append(f"{item[0]}{item[1]}")
        await asyncio.sleep(0.001 * (4 - item[1]))
        active.discard(item[0])

    await work_through(items, key=_key, work=work, concurrency=4)

    assert [e for e in log if e.startswith("x")] == ["x1", "x2", "x3"]
    assert [e for e in log if e.startswith("y")] == ["y1", "y2"]


async def test_an_error_cancels_the_rest_and_propagates():
    started: list[str] = []
    cancelled: list[str] = []

    async def work(item: tuple[str, int]) -> None:
        started.append(item[0])
        if item[0] == "bad":
            raise RuntimeError("the ledger is gone")
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.append(item[0])
            raise

    items = [("slow-1", 0), ("bad", 0), ("slow-2", 0), ("never", 0)]
    with pytest.raises(RuntimeError, match="the ledger is gone"):
        await work_through(items, key=_key, work=work, concurrency=3)
    assert sorted(cancelled) == ["slow-1", "slow-2"]
    assert "never" not in started

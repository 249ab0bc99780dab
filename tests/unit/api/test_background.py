"""The app's background runs: one at a time, notifications coalesced, cancelled at shutdown."""

from __future__ import annotations

import asyncio

import pytest

from adapter.api.background import BackgroundRuns, RunInProgress
from adapter.errors import AccessDenied
from adapter.sync.ledger import RunKind


async def test_a_run_while_another_goes_is_refused():
    runs = BackgroundRuns()
    gate = asyncio.Event()
    runs.start(RunKind.PUSH, gate.wait)
    with pytest.raises(RunInProgress) as refused:
        runs.start(RunKind.PULL, gate.wait)
    assert refused.value.kind is RunKind.PUSH
    gate.set()
    await runs.wait()
    assert runs.current is None


async def test_a_burst_of_queued_runs_becomes_one_more_run():
    runs = BackgroundRuns()
    gate = asyncio.Event()
    done: list[str] = []

    async def pull() -> None:
        await gate.wait()
        done.append("pull")

    assert runs.start_or_queue(RunKind.PULL, pull) is True
    assert runs.start_or_queue(RunKind.PULL, pull) is False
    assert runs.start_or_queue(RunKind.PULL, pull) is False
    gate.set()
    await runs.wait()
    assert done == ["pull", "pull"]


async def test_a_failing_run_frees_the_slot():
    runs = BackgroundRuns()

    async def broken() -> None:
        raise RuntimeError("boom")

    async def fine() -> None:
        done.append("fine")

    done: list[str] = []
    runs.start(RunKind.PUSH, broken)
    await runs.wait()
    runs.start(RunKind.PUSH, fine)
    await runs.wait()
    assert done == ["fine"]


async def test_close_cancels_the_running_run_and_drops_the_queue():
    runs = BackgroundRuns()
    started: list[str] = []

    async def forever() -> None:
        started.append("run")
        await asyncio.Event().wait()

    task = runs.start(RunKind.PULL, forever)
    runs.start_or_queue(RunKind.PULL, forever)
    await asyncio.sleep(0)
    await runs.close()
    assert task.cancelled()
    assert started == ["run"]
    assert runs.current is None


async def test_a_run_past_its_time_limit_is_cancelled_and_the_next_one_starts(
    caplog: pytest.LogCaptureFixture,
):
    runs = BackgroundRuns(max_seconds=0.2)
    cancelled = asyncio.Event()

    async def forever() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    runs.start(RunKind.PUSH, forever)
    await asyncio.wait_for(runs.wait(), 10)
    assert cancelled.is_set()
    assert runs.current is None
    assert "cancelled after 0.2 s" in caplog.text
    runs.start(RunKind.PUSH, lambda: asyncio.sleep(0))  # no RunInProgress: not wedged
    await runs.wait()


async def test_refused_credentials_are_logged_with_what_was_refused(caplog):
    runs = BackgroundRuns()

    async def refused() -> None:
        raise AccessDenied("PUT Goal: HTTP 403 (HAPI-0333)", status=403)

    runs.start(RunKind.PUSH, refused)
    await runs.wait()
    [record] = [r for r in caplog.records if r.name == "adapter.api"]
    assert record.getMessage() == (
        "push run stopped, credentials refused: PUT Goal: HTTP 403 (HAPI-0333)"
    )

"""Background sync runs started by the API.

The sync functions open their ledger run themselves and tell its id through ``on_run`` as soon
as it exists; ``POST /sync`` waits for that moment and answers 202 with the id.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any

from fastapi import HTTPException

from adapter.api.background import RunInProgress
from adapter.api.referral_poll import poll_referrals as poll_after_gap
from adapter.api.state import AppState
from adapter.errors import LedgerError
from adapter.fhir import probe_capabilities
from adapter.fhir.factory import BEFORE_RUN_ATTEMPTS
from adapter.settings import Settings
from adapter.sync.ledger import DeadLetter, Ledger, RunKind
from adapter.sync.ledger.cases import StoredCase
from adapter.sync.pull.run import pull_changes
from adapter.sync.push.outcomes import CaseOutcome, PushReport
from adapter.sync.push.replay import Replay, close_landed, replay_inputs
from adapter.sync.push.run import CaseInput, push_cases
from adapter.sync.referrals.sources import task_server

__all__ = ["CASE_ID_PATTERN", "start_or_queue_pull", "start_push", "start_retry"]

CASE_ID_PATTERN = r"^[A-Za-z0-9.-]{1,64}$"  # the model's id rule

OnRun = Callable[[int], None]
"""Told the ledger run's id once the sync function has opened it."""


async def start_push(state: AppState, case_ids: Sequence[str] | None) -> int:
    """Push the stored cases (all, or ``case_ids``) in the background; the run's ledger id.

    The server is asked once first: a push to a server that is not there would dead-letter
    every case, so the caller gets the FHIR error (502/504) instead and nothing starts.
    """
    return await _start(state, lambda ledger: _inputs(ledger, case_ids))


async def start_retry(state: AppState, letter: DeadLetter) -> int:
    """Push one dead letter's case again in the background, as ``adapter dlq retry ID`` does
    (its source file if it is still there, else the case store); the letter is resolved when
    the case lands. 409 when there is nothing to push."""
    replays: list[Replay] = []

    def read(ledger: Ledger) -> list[CaseInput]:
        replay = replay_inputs(ledger, [letter])
        for _, why in replay.missing:
            raise HTTPException(status_code=409, detail=f"cannot retry: {why}")
        replays.append(replay)
        return replay.inputs

    def after(report: PushReport) -> None:
        close_landed(state.ledger, replays[-1], report)

    return await _start(state, read, after)


async def _start(
    state: AppState,
    read: Callable[[Ledger], list[CaseInput]],
    after: Callable[[PushReport], None] | None = None,
) -> int:
    if (running := state.runs.current) is not None:
        raise RunInProgress(running)
    await asyncio.to_thread(read, state.ledger)  # 404 before asking the server
    await _reachable(state.settings)
    # Push stores each input document again when it reaches the case; a newer version posted
    # meanwhile would be overwritten, so these cases refuse new versions until the run ends.
    async with state.case_lock:
        inputs = await asyncio.to_thread(read, state.ledger)
        ids = {item.case_id for item in inputs}

        def counted(outcome: CaseOutcome) -> None:
            state.metrics.case_done(str(RunKind.PUSH), str(outcome.status))

        async def push(on_run: OnRun) -> None:
            try:
                async with task_server(state.settings) as tasks:  # the performer's, if set
                    report = await push_cases(
                        inputs,
                        client=state.fhir,
                        ledger=state.ledger,
                        namespace=state.settings.namespace,
                        concurrency=state.settings.push_concurrency,
                        on_case=counted,
                        on_run=on_run,
                        leases=state.settings.case_leases,
                        lease_seconds=state.settings.lease_seconds,
                        referral_tasks=tasks,
                    )
                if after is not None:
                    await asyncio.to_thread(after, report)
            finally:
                state.pushing.difference_update(ids)

        state.pushing.update(ids)
        try:
            return await _launch(state, RunKind.PUSH, push)
        except BaseException:
            state.pushing.difference_update(ids)
            raise


def start_or_queue_pull(state: AppState, *, poll_referrals: bool = False) -> bool:
    """Pull the server's changes in the background, now or right after the current run.

    True when the pull started now. Notifications only say "something changed": one pull after
    a burst of them reads every change, so queued pulls collapse into one. ``poll_referrals``
    (a notification gap): the run polls the referral Tasks first, even if it was queued by an
    ordinary notification.
    """
    if poll_referrals:
        state.referral_poll.ask()

    async def pull(on_run: OnRun) -> None:
        if state.referral_poll.take():
            await poll_after_gap(state.fhir, state.ledger, state.settings)
        async with task_server(state.settings) as tasks:  # the performer's, if set
            report = await pull_changes(
                state.fhir,
                state.ledger,
                namespace=state.settings.namespace,
                overlap=timedelta(seconds=state.settings.pull_overlap_seconds),
                on_run=on_run,
                strategy=state.settings.pull_strategy,
                referral_tasks=tasks,
            )
        for update in report.updates:
            state.metrics.case_done(str(RunKind.PULL), "updated" if update.changed else "unchanged")
        for _ in report.failures:
            state.metrics.case_done(str(RunKind.PULL), "failed")

    return state.runs.start_or_queue(RunKind.PULL, lambda: _observed(state, RunKind.PULL, pull))


def _inputs(ledger: Ledger, case_ids: Sequence[str] | None) -> list[CaseInput]:
    wanted = list(dict.fromkeys(case_ids)) if case_ids is not None else ledger.case_ids()
    found = {case_id: ledger.get_case(case_id) for case_id in wanted}
    missing = [case_id for case_id, stored in found.items() if not _has_document(stored)]
    if case_ids is not None and missing:
        raise HTTPException(status_code=404, detail=f"not in the case store: {', '.join(missing)}")
    return [
        CaseInput(stored.case_id, stored.document, stored.source, from_store=True)
        for stored in found.values()
        if stored is not None and stored.document is not None
    ]


def _has_document(stored: StoredCase | None) -> bool:
    return stored is not None and stored.document is not None


async def _launch(state: AppState, kind: RunKind, work: Callable[[OnRun], Awaitable[None]]) -> int:
    """Start ``work`` (which opens a ledger run of ``kind``) and return that run's id."""
    opened: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    task = state.runs.start(kind, lambda: _observed(state, kind, work, opened))
    either: set[asyncio.Future[Any]] = {task, opened}
    await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
    if not opened.done():
        raise LedgerError(f"the {kind} run stopped before the ledger recorded it")
    return opened.result()


async def _reachable(settings: Settings) -> None:
    await probe_capabilities(settings, attempts=BEFORE_RUN_ATTEMPTS)


async def _observed(
    state: AppState,
    kind: RunKind,
    work: Callable[[OnRun], Awaitable[None]],
    opened: asyncio.Future[int] | None = None,
) -> None:
    """Run ``work``, then count the ledger run it opened (whatever its end) in the metrics.

    ``opened`` receives the run's id as soon as the sync function has opened it.
    """
    run_ids: list[int] = []

    def on_run(run_id: int) -> None:
        run_ids.append(run_id)
        if opened is not None and not opened.done():
            opened.set_result(run_id)

    active = state.metrics.runs_active.labels(str(kind))
    active.inc()
    try:
        await work(on_run)
    finally:
        active.dec()
        if run_ids and (run := await asyncio.to_thread(state.ledger.run, run_ids[0])):
            state.metrics.run_finished(run)

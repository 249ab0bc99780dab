"""A push cancelled mid-run (service shutdown, its time limit, Ctrl-C) is marked interrupted,
not failed, and nothing of the unanswered case is recorded as written."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from adapter.sync.ledger import Ledger, RunStatus
from adapter.sync.push.run import CaseInput, push_cases
from tests.support.casefiles import example_data
from tests.unit.fhir.scripted import client_for


async def test_a_cancelled_push_is_marked_interrupted(tmp_path: Path):
    asked = asyncio.Event()

    async def never_answers(_: httpx.Request) -> httpx.Response:
        asked.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    case = example_data("CM-2001")
    with Ledger.open(f"sqlite:///{tmp_path / 'l.sqlite'}") as ledger:
        async with client_for(never_answers) as client:  # type: ignore[arg-type]
            push = asyncio.ensure_future(
                push_cases([CaseInput(case["id"], case, "test")], client=client, ledger=ledger)
            )
            await asyncio.wait_for(asked.wait(), 30)
            push.cancel()
            await asyncio.gather(push, return_exceptions=True)
        [run] = ledger.runs(1)
        assert run.status is RunStatus.INTERRUPTED
        assert run.cases_ok == 0

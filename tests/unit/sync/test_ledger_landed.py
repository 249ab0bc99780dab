"""Several cases' successes in one transaction (``record_successes``) and the push's batch of
them (:mod:`adapter.sync.push.landed`): the same rows as one ``record_success`` per case, and
held records written before anything could read past them."""

from __future__ import annotations

import asyncio
from typing import Any

from adapter.sync.ledger import Ledger
from adapter.sync.ledger.landed import Success
from adapter.sync.ledger.records import ResourceKey, SyncedResource
from adapter.sync.ledger.schema import AttemptOutcome, ReasonCode, RunKind
from adapter.sync.ledger.thread import LedgerThread
from adapter.sync.push.landed import LandedBatch
from tests.support.ledger import SERVER

DOCUMENT: dict[str, Any] = {"id": "CM-1", "status": "active"}


def _case(case_id: str, version: str = "1", *, changed: bool = True) -> list[SyncedResource]:
    return [
        SyncedResource("EpisodeOfCare", f"eoc-{case_id}", version, "a" * 64, changed=changed),
        SyncedResource("Goal", f"goal-{case_id}", version, "b" * 64, changed=False),
    ]


def _keys(case_id: str) -> list[tuple[str, str]]:
    return [("EpisodeOfCare", f"eoc-{case_id}"), ("Goal", f"goal-{case_id}")]


def test_a_batch_records_what_record_success_records_for_each_case(
    ledger: Ledger, run_id: int
) -> None:
    letter = ledger.record_failure(
        run_id, SERVER, "CM-1", reason=ReasonCode.INVALID_RESOURCE, error_class="X", message="m"
    )
    ledger.record_successes(
        run_id,
        SERVER,
        [
            Success("CM-1", _case("CM-1", "2"), DOCUMENT, "fp-1"),
            Success("CM-2", _case("CM-2", changed=False)),
        ],
    )
    known = ledger.known(SERVER, _keys("CM-1") + _keys("CM-2"))
    assert {key: (e.version_id, e.case_id, e.attempts) for key, e in known.items()} == {
        ResourceKey("EpisodeOfCare", "eoc-CM-1"): ("2", "CM-1", 0),
        ResourceKey("Goal", "goal-CM-1"): ("2", "CM-1", 0),
        ResourceKey("EpisodeOfCare", "eoc-CM-2"): ("1", "CM-2", 0),
        ResourceKey("Goal", "goal-CM-2"): ("1", "CM-2", 0),
    }
    assert [a.outcome for a in ledger.attempts_for_case("CM-1")] == [
        AttemptOutcome.FAILED,
        AttemptOutcome.WRITTEN,
    ]
    assert [a.outcome for a in ledger.attempts_for_case("CM-2")] == [AttemptOutcome.UNCHANGED]
    assert (ledger.attempts_for_case("CM-2")[0].resources or [{}])[0]["id"] == "eoc-CM-2"
    closed = ledger.dead_letter(letter.id)
    assert closed is not None
    assert closed.resolution == "succeeded"
    assert ledger.pushed_snapshot(SERVER, "CM-1") == DOCUMENT
    assert ledger.pushed_snapshot(SERVER, "CM-2") is None
    context = ledger.push_context(SERVER, "CM-1")
    assert (context.mapping, context.resources) == ("fp-1", 2)
    run = ledger.finish_run(run_id)
    assert (run.cases_ok, run.cases_failed) == (2, 1)
    assert (run.resources_written, run.resources_unchanged) == (1, 3)


def test_a_resource_two_cases_of_a_batch_report_keeps_the_newer_version(
    ledger: Ledger, run_id: int
) -> None:
    patient = ("Patient", "shared")
    ledger.record_successes(
        run_id,
        SERVER,
        [
            Success("CM-2", [SyncedResource(*patient, "3", "b" * 64)]),
            Success("CM-1", [SyncedResource(*patient, "2", "a" * 64)]),
        ],
    )
    older = Success("CM-3", [SyncedResource(*patient, "1", "c" * 64)])
    ledger.record_successes(run_id, SERVER, [older])
    entry = ledger.known(SERVER, [patient])[ResourceKey(*patient)]
    assert (entry.version_id, entry.case_id) == ("3", "CM-2")


def test_held_records_are_written_before_the_ledger_is_asked_about_them(
    ledger: Ledger, run_id: int
) -> None:
    with LedgerThread() as thread:
        batch = LandedBatch(ledger, run_id, SERVER, thread)
        batch.add(Success("CM-1", _case("CM-1")))
        batch.settle("CM-9", [("Task", "other")])  # nothing of CM-1: still held
        assert ledger.known(SERVER, _keys("CM-1")) == {}
        batch.settle("CM-9", [("Goal", "goal-CM-1")])  # names a held resource
        assert len(ledger.known(SERVER, _keys("CM-1"))) == 2
        batch.add(Success("CM-2", _case("CM-2")))
        batch.settle("CM-2")  # the case itself again
        assert len(ledger.known(SERVER, _keys("CM-2"))) == 2


def test_a_full_batch_is_written_and_size_one_records_at_once(ledger: Ledger, run_id: int) -> None:
    with LedgerThread() as thread:
        batch = LandedBatch(ledger, run_id, SERVER, thread)
        batch.size = 2
        batch.add(Success("CM-1", _case("CM-1")))
        assert ledger.known(SERVER, _keys("CM-1")) == {}
        batch.add(Success("CM-2", _case("CM-2")))
        assert len(ledger.known(SERVER, _keys("CM-1") + _keys("CM-2"))) == 4
        batch.size = 1
        batch.add(Success("CM-3", _case("CM-3")))
        assert len(ledger.known(SERVER, _keys("CM-3"))) == 2


def test_a_batch_the_ledger_refuses_names_each_case_and_raises_nothing(ledger: Ledger) -> None:
    other = ledger.start_run(RunKind.PUSH, SERVER).id
    with LedgerThread() as thread:
        batch = LandedBatch(ledger, other + 100, SERVER, thread)  # no such run: refused
        batch.add(Success("CM-1", _case("CM-1")))
        batch.add(Success("CM-2", _case("CM-2")))
        batch.write()
    assert len(batch.problems) == 2
    assert "case CM-1 not recorded" in batch.problems[0]
    assert ledger.known(SERVER, _keys("CM-1")) == {}


async def test_held_records_are_written_every_so_often(ledger: Ledger, run_id: int) -> None:
    with LedgerThread() as thread:
        batch = LandedBatch(ledger, run_id, SERVER, thread)
        await thread(batch.add, Success("CM-1", _case("CM-1")))
        flusher = asyncio.create_task(batch.keep_flushing(0.01))
        for _ in range(200):
            if ledger.known(SERVER, _keys("CM-1")):
                break
            await asyncio.sleep(0.01)
        flusher.cancel()
    assert len(ledger.known(SERVER, _keys("CM-1"))) == 2

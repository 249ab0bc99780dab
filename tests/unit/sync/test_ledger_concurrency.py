"""Several writers on one SQLite ledger: nobody fails with "database is locked", nothing is lost."""

from __future__ import annotations

import multiprocessing
import threading

from adapter.sync.ledger import Ledger
from adapter.sync.ledger.records import SyncedResource
from adapter.sync.ledger.schema import ReasonCode, RunKind, RunStatus
from tests.support.ledger import SERVER

CASES = 120
RESOURCES_PER_CASE = 3


def _push_cases(ledger_url: str, writer: str, go: object) -> None:
    """One writer: opens the (maybe still empty) ledger, records CASES cases, one failing in ten."""
    go.wait()  # type: ignore[attr-defined]
    with Ledger.open(ledger_url) as ledger:
        run = ledger.start_run(RunKind.PUSH, SERVER, cases_total=CASES)
        for n in range(CASES):
            case_id = f"{writer}-{n}"
            if n % 10 == 0:
                ledger.record_failure(
                    run.id,
                    SERVER,
                    case_id,
                    reason=ReasonCode.RETRIES_EXHAUSTED,
                    error_class="ServerError",
                    message="503 after 5 attempts",
                    status=503,
                )
                continue
            results = [
                SyncedResource("Task", f"{case_id}-{k}", "1", f"{n:064x}")
                for k in range(RESOURCES_PER_CASE)
            ]
            ledger.known(SERVER, [(r.resource_type, r.resource_id) for r in results])
            ledger.record_success(run.id, SERVER, case_id, results)
        ledger.finish_run(run.id)


def _assert_everything_landed(ledger_url: str, writers: list[str]) -> None:
    failing_per_writer = len(range(0, CASES, 10))
    with Ledger.open(ledger_url) as ledger:
        counts = ledger.counts()
        runs = ledger.runs(limit=10)
        assert counts.entries == len(writers) * (CASES - failing_per_writer) * RESOURCES_PER_CASE
        assert counts.open_dead_letters == len(writers) * failing_per_writer
        assert len(runs) == len(writers)
        assert {run.status for run in runs} == {RunStatus.COMPLETED}
        assert all(run.cases_ok + run.cases_failed == CASES for run in runs)
        for writer in writers:
            assert len(ledger.attempts_for_case(f"{writer}-{CASES - 1}")) == 1


def test_two_processes_pushing_into_one_fresh_ledger_lose_nothing(ledger_url: str):
    context = multiprocessing.get_context("spawn")
    go = context.Event()
    writers = ["alpha", "beta"]
    processes = [
        context.Process(target=_push_cases, args=(ledger_url, writer, go)) for writer in writers
    ]
    for process in processes:
        process.start()
    go.set()  # both open the empty file at once: the migration itself is raced too
    for process in processes:
        process.join(timeout=120)
    assert [process.exitcode for process in processes] == [0, 0]
    _assert_everything_landed(ledger_url, writers)


def test_threads_sharing_one_ledger_lose_nothing(ledger_url: str):
    go = threading.Event()
    writers = ["t1", "t2", "t3"]
    errors: list[BaseException] = []

    def work(writer: str) -> None:
        try:
            _push_cases(ledger_url, writer, go)
        except BaseException as exc:
            errors.append(exc)
            raise

    threads = [threading.Thread(target=work, args=(writer,)) for writer in writers]
    for thread in threads:
        thread.start()
    go.set()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    _assert_everything_landed(ledger_url, writers)

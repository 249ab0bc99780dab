from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import timedelta

from adapter.sync.ledger import Ledger
from adapter.sync.ledger.owner import owner_gone, this_process
from adapter.sync.ledger.schema import RunKind, RunStatus
from tests.support.ledger import SERVER, Clock

HOUR = timedelta(hours=1)
_START_AND_DIE = """
import sys
from adapter.sync.ledger import Ledger
ledger = Ledger.open(sys.argv[1])
print(ledger.start_run("push", sys.argv[2]).id)
"""


def _status(ledger: Ledger, run_id: int) -> RunStatus:
    run = ledger.run(run_id)
    assert run is not None
    return run.status


def _run_in_a_process_that_exits(ledger_url: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", _START_AND_DIE, ledger_url, SERVER],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return int(done.stdout.strip())


def test_a_run_left_by_a_dead_process_is_interrupted_at_the_next_start(
    ledger: Ledger, ledger_url: str
):
    orphan = _run_in_a_process_that_exits(ledger_url)
    assert _status(ledger, orphan) == RunStatus.RUNNING
    mine = ledger.start_run(RunKind.PUSH, SERVER)
    orphaned = ledger.run(orphan)
    assert orphaned is not None
    assert orphaned.status == RunStatus.INTERRUPTED
    assert orphaned.finished_at is not None
    assert _status(ledger, mine.id) == RunStatus.RUNNING


def test_a_live_run_of_this_process_is_left_alone(ledger: Ledger):
    first = ledger.start_run(RunKind.PUSH, SERVER)
    ledger.start_run(RunKind.PULL, SERVER)
    assert ledger.mark_interrupted_runs() == []
    assert _status(ledger, first.id) == RunStatus.RUNNING


def test_a_run_silent_for_too_long_is_interrupted(ledger: Ledger, clock: Clock):
    quiet = ledger.start_run(RunKind.PUSH, SERVER)
    busy = ledger.start_run(RunKind.PUSH, SERVER)
    clock.advance(minutes=50)
    ledger.heartbeat(busy.id)
    clock.advance(minutes=20)
    assert ledger.mark_interrupted_runs() == [quiet.id]
    assert _status(ledger, busy.id) == RunStatus.RUNNING


def test_same_pid_from_an_earlier_process_counts_as_gone(ledger: Ledger, clock: Clock):
    run = ledger.start_run(RunKind.PUSH, SERVER)
    me = this_process()
    restarted = replace(me, process_token="another-incarnation")
    assert not owner_gone(run, now=clock.now, stale_after=HOUR, me=me)
    assert owner_gone(run, now=clock.now, stale_after=HOUR, me=restarted)


def test_runs_on_another_host_are_judged_by_heartbeat_only(ledger: Ledger, clock: Clock):
    run = replace(ledger.start_run(RunKind.PUSH, SERVER), host="worker-2", pid=1)
    me = this_process()
    assert not owner_gone(run, now=clock.now, stale_after=HOUR, me=me)
    clock.advance(hours=2)
    assert owner_gone(run, now=clock.now, stale_after=HOUR, me=me)


def test_runs_are_listed_newest_first(ledger: Ledger):
    ids = [ledger.start_run(RunKind.PUSH, SERVER).id for _ in range(3)]
    other = ledger.start_run(RunKind.PULL, "https://other.example.org/fhir").id
    assert [r.id for r in ledger.runs(limit=2)] == [other, ids[2]]
    assert [r.id for r in ledger.runs(server=SERVER)] == ids[::-1]

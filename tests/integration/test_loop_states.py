"""Issue 14, the stateful property test: interleavings of a case manager and a provider working
on one case through the real HAPI, and what must hold once push and pull have settled.

Steps (hypothesis ``RuleBasedStateMachine``): the case manager rewords a task in its file, or
re-exports an older version of the file; the provider moves a task's status forward, rewords a
task or reports the goal achieved on the server (performer-owned and case-management-owned
elements); ``adapter push`` of the file; the service's sync (a push of the stored case);
``adapter pull``; a person settles an open conflict (``resolve_conflict``, taking the server's
side, which the case-management system then takes into its file from the feed, or the local
side). After the steps, settling is ``pull``, ``push``, ``pull``; then:

- the performer's status and achievement are on the server and in the stored case (no
  performer update lost);
- the case manager's last pushed wording is on the server and in the stored case (no
  case-management update lost; a provider's rewording is written back by rule, or was taken by
  a person and pushed by the case-management system);
- no conflict is left open: every one was resolved by a rule or by a person.

Bounded so that CI stays under a minute: a fixed seed (``derandomize``), few examples and steps.
"""

from __future__ import annotations

import copy
import shutil
import tempfile
from pathlib import Path
from typing import Any, Final

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule, run_state_machine_as_test

from adapter.errors import ConflictError
from adapter.sync.conflicts import Take, list_conflicts, resolve_conflict
from adapter.sync.ledger import Ledger
from tests.integration.loop_support import Desk

pytestmark = pytest.mark.integration

TASKS: Final = ("T-2", "T-3")
FORWARD: Final = {"requested": "in-progress", "in-progress": "completed"}
ACHIEVED: Final = {
    "coding": [
        {"system": "http://terminology.hl7.org/CodeSystem/goal-achievement", "code": "achieved"}
    ]
}
RUNS: Final = settings(
    max_examples=15,
    stateful_step_count=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def machine(server: str, report: list[dict[str, Any]]) -> type[RuleBasedStateMachine]:
    class Loop(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.dir = Path(tempfile.mkdtemp(prefix="loop-states-"))
            self.desk = Desk(server, self.dir)
            self.steps: list[str] = []
            assert self.desk.push()[0] == 0
            self.pushed = [copy.deepcopy(self.desk.case)]  # every version the CM system sent
            self.status = {t: self.desk.record(t)["status"] for t in TASKS}
            self.wording = {t: self.desk.record(t).get("description") for t in TASKS}
            self.cm_edited: set[str] = set()  # reworded in the file since the last push
            self.achieved = False  # the provider reported goal G-1 achieved
            self.provider_acted = False  # the provider wrote since the last pull

        @rule(task=st.sampled_from(TASKS), n=st.integers(0, 9))
        def cm_edits(self, task: str, n: int) -> None:
            self.desk.record(task)["description"] = f"Case manager wording {n}"
            self.cm_edited.add(task)
            self.steps.append(f"cm edits {task}")

        @precondition(lambda self: len(self.pushed) > 1)
        @rule(back=st.integers(1, 3))
        def cm_reexports_an_older_version(self, back: int) -> None:
            older = self.pushed[max(0, len(self.pushed) - 1 - back)]
            self.desk.case = copy.deepcopy(older)
            self.cm_edited |= {
                t for t in TASKS if self.desk.record(t).get("description") != self.wording[t]
            }
            self.steps.append(f"cm re-exports version -{back}")

        @rule(task=st.sampled_from(TASKS))
        def provider_moves_the_status(self, task: str) -> None:
            following = FORWARD.get(self.status[task])
            if following is None:
                return
            self.desk.provider_sets(task, status=following)
            self.status[task] = following
            self.provider_acted = True
            self.steps.append(f"provider {task} -> {following}")

        @rule(task=st.sampled_from(TASKS), n=st.integers(0, 9))
        def provider_rewords(self, task: str, n: int) -> None:
            self.desk.provider_sets(task, description=f"Provider wording {n}")
            self.provider_acted = True
            self.steps.append(f"provider rewords {task}")

        @precondition(lambda self: self.cm_edited or self.provider_acted)
        @rule()
        def push(self) -> None:
            code, out = self.desk.push()
            assert code in (0, 1), out
            self._pushed()
            self.steps.append(f"push -> {code}")

        @precondition(lambda self: self.provider_acted)
        @rule()
        def service_sync(self) -> None:
            # The stored case, as the service pushes it: the file's unsent edits stay unsent.
            failed = self.desk.sync_stored()
            self.steps.append(f"service sync -> {failed} failed")

        def waiting(self) -> bool:
            with Ledger.open(self.desk.ledger_url) as ledger:
                return bool(list_conflicts(ledger))

        @precondition(lambda self: self.waiting())
        @rule()
        def person_takes_the_server_side(self) -> None:
            self.settle("server")

        @precondition(lambda self: self.waiting())
        @rule()
        def person_takes_the_local_side(self) -> None:
            self.settle("local")

        def settle(self, take: Take) -> None:
            with Ledger.open(self.desk.ledger_url) as ledger:
                waiting = list_conflicts(ledger)
                try:
                    done = resolve_conflict(ledger, waiting[0].id, take)
                except ConflictError:  # the server's values would make an illegal case
                    done = resolve_conflict(ledger, waiting[0].id, "local")
            stored = self.desk.stored()
            for change in done.changes:  # the CM system takes the feed's values into its file
                head, _, name = change.path.partition(".")
                index = int(head.removeprefix("tasks[").removesuffix("]"))
                task = stored["tasks"][index]["id"]
                self.desk.record(task)[name] = change.new
                self.cm_edited.add(task)
            self.steps.append(f"person takes {take} for #{waiting[0].id}")

        @rule(goal=st.just("G-1"))
        def provider_reports_achievement(self, goal: str) -> None:
            self.desk.provider_sets(goal, achievementStatus=ACHIEVED)
            self.achieved = self.provider_acted = True
            self.steps.append(f"provider {goal} achieved")

        @precondition(lambda self: self.provider_acted)
        @rule()
        def pull(self) -> None:
            code, out = self.desk.pull()
            assert code in (0, 1), out
            self.provider_acted = False
            self.steps.append(f"pull -> {code}")

        def _pushed(self) -> None:
            self.pushed.append(copy.deepcopy(self.desk.case))
            self.wording = {t: self.desk.record(t).get("description") for t in TASKS}
            self.cm_edited.clear()

        def teardown(self) -> None:
            try:
                self._settle_and_check()
            finally:
                shutil.rmtree(self.dir, ignore_errors=True)

        def _settle_and_check(self) -> None:
            for step in ("pull", "push", "pull"):
                code, out = self.desk.pull() if step == "pull" else self.desk.push()
                assert code in (0, 1), out
                if step == "push":
                    self._pushed()
            stored = self.desk.stored()
            with Ledger.open(self.desk.ledger_url) as ledger:
                still_open = list_conflicts(ledger)
            # Every conflict was settled, by a rule or a person: a provider's rewording written
            # back, the case manager's side of a merge both sides reworded written back too.
            assert not still_open, f"open after settling: {still_open} after {self.steps}"
            for task in TASKS:
                on_server, kept = self.desk.read(task), self.desk.record(task, stored)
                where = f"{task} after {self.steps}"
                assert on_server["status"] == kept["status"] == self.status[task], where
                wording = on_server.get("description")
                assert wording == kept.get("description") == self.wording[task], where
            goal = self.desk.record("G-1", stored)["achievement"]
            server_goal = self.desk.read("G-1")["achievementStatus"]["coding"][0]["code"]
            assert (goal == server_goal == "achieved") is self.achieved, self.steps
            assert goal == server_goal, self.steps
            report.append({"steps": list(self.steps), "open_conflicts": len(still_open)})

    return Loop


def test_no_update_is_lost_whatever_the_interleaving(fhir_base_url: str):
    report: list[dict[str, Any]] = []
    run_state_machine_as_test(machine(fhir_base_url, report), settings=RUNS)
    assert report  # the invariant was checked at least once
    steps = sum(len(run["steps"]) for run in report)
    print(f"state machine: {len(report)} runs, {steps} steps")
    for run in report:
        print(f"  {run}")

"""Issue 14, the stateful property test: interleavings of a case manager and a provider working
on one case through the real HAPI, and what must hold once push and pull have settled.

Steps (hypothesis ``RuleBasedStateMachine``): the case manager rewords a task in its file, or
re-exports an older version of the file; the provider moves a task's status forward or rewords
it on the server (a performer-owned and a case-management-owned element); ``adapter push``;
``adapter pull``. After the steps, settling is ``pull``, ``push``, ``pull``, then per task:

- the performer's status is on the server and in the stored case (no performer update lost);
- the case manager's last pushed wording is on the server and in the stored case (no
  case-management update lost, a provider's rewording is written back), unless an open
  conflict is listed for that task (both sides reworded it before the push could merge);
- every conflict still open is about a task both sides reworded; every other conflict was
  resolved by a rule.

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

from adapter.sync.conflicts import list_conflicts
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
    max_examples=8,
    stateful_step_count=8,
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
            self.provider_edited: set[str] = set()  # reworded on the server since the last pull
            self.both: set[str] = set()  # both sides reworded before a push could merge
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
            self.provider_edited.add(task)
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
            self.both |= {t for t in self.provider_edited if self.pending_on_server(t)}
            self.steps.append(f"service sync -> {failed} failed")

        def pending_on_server(self, task: str) -> bool:
            """The stored wording of ``task`` is not on the server yet (a push failed)."""
            return self.desk.read(task).get("description") != self.wording[task]

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
            self.provider_edited.clear()
            self.provider_acted = False
            self.steps.append(f"pull -> {code}")

        def _pushed(self) -> None:
            self.both |= self.cm_edited & self.provider_edited
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
            # Every conflict was settled by a rule: a provider's rewording was written back,
            # and so was the case manager's side of a merge both sides reworded.
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

"""What a pull stores for one case: case, versions, conflicts and attempt, all or nothing."""

from __future__ import annotations

import pytest

from adapter.sync.ledger import Ledger
from adapter.sync.ledger.records import NewConflict, ResourceKey, SyncedResource
from adapter.sync.ledger.schema import AttemptOutcome, ReasonCode, RunKind
from adapter.sync.ledger.writes import CaseWriter
from tests.support.ledger import SERVER

TASK = ResourceKey("Task", "cm-task-1")
GOAL = ResourceKey("Goal", "cm-goal-1")
BEFORE = {"id": "CM-1", "status": "active", "tasks": [{"id": "T-1", "status": "requested"}]}
AFTER = {"id": "CM-1", "status": "active", "tasks": [{"id": "T-1", "status": "completed"}]}
READ = [SyncedResource(*TASK, "3", "b" * 64), SyncedResource(*GOAL, "2", "c" * 64, changed=False)]
DISPUTE = NewConflict(GOAL, "1", "2", ("description",), {"kind": "case-management-owned"})


def _pull_run(ledger: Ledger) -> int:
    ledger.put_case("CM-1", BEFORE, source="cases/cm-1.json")
    return ledger.start_run(RunKind.PULL, SERVER).id


def test_pulled_case_versions_conflicts_and_attempt_are_stored_together(ledger: Ledger) -> None:
    run_id = _pull_run(ledger)

    ledger.record_pulled(run_id, SERVER, "CM-1", document=AFTER, results=READ, conflicts=[DISPUTE])

    stored = ledger.get_case("CM-1")
    assert stored is not None
    assert (stored.document, stored.source) == (AFTER, "pull")
    known = ledger.known(SERVER, [TASK, GOAL])
    assert (known[TASK].version_id, known[GOAL].version_id) == ("3", "2")
    [conflict] = ledger.conflicts(case_id="CM-1")
    assert (conflict.resource_type, conflict.fields, conflict.run_id) == (
        "Goal",
        ["description"],
        run_id,
    )
    assert (conflict.local_version, conflict.server_version) == ("1", "2")
    [attempt] = ledger.attempts_for_case("CM-1")
    assert attempt.outcome is AttemptOutcome.CONFLICT
    run = ledger.run(run_id)
    assert run is not None
    assert (run.cases_ok, run.resources_written, run.resources_unchanged) == (1, 1, 1)


def test_an_unchanged_case_keeps_its_document_and_source(ledger: Ledger) -> None:
    run_id = _pull_run(ledger)

    ledger.record_pulled(run_id, SERVER, "CM-1", document=None, results=READ[1:])

    stored = ledger.get_case("CM-1")
    assert stored is not None
    assert (stored.document, stored.source) == (BEFORE, "cases/cm-1.json")
    assert [a.outcome for a in ledger.attempts_for_case("CM-1")] == [AttemptOutcome.UNCHANGED]


def test_a_pull_never_resolves_the_cases_dead_letter(ledger: Ledger) -> None:
    run_id = _pull_run(ledger)
    ledger.record_failure(
        run_id, SERVER, "CM-1", reason=ReasonCode.AUTH, error_class="AccessDenied", message="401"
    )

    ledger.record_pulled(run_id, SERVER, "CM-1", document=AFTER, results=READ)

    assert [letter.case_id for letter in ledger.dead_letters(SERVER)] == ["CM-1"]


def test_a_crash_while_recording_a_pull_leaves_the_case_as_it_was(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_id = _pull_run(ledger)

    def crash(self: CaseWriter, **increments: int) -> None:
        raise RuntimeError("killed between the statements")

    monkeypatch.setattr(CaseWriter, "count", crash)
    with pytest.raises(RuntimeError):
        ledger.record_pulled(
            run_id, SERVER, "CM-1", document=AFTER, results=READ, conflicts=[DISPUTE]
        )

    stored = ledger.get_case("CM-1")
    assert stored is not None
    assert stored.document == BEFORE
    assert ledger.known(SERVER, [TASK, GOAL]) == {}
    assert ledger.conflicts(case_id="CM-1") == []
    assert ledger.attempts_for_case("CM-1") == []

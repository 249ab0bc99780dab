from __future__ import annotations

from datetime import UTC

import pytest

from adapter.errors import LedgerError
from adapter.sync.ledger import Ledger
from adapter.sync.ledger.records import ResourceKey, SyncedResource
from adapter.sync.ledger.schema import AttemptOutcome, ReasonCode, RunKind
from tests.support.ledger import SERVER, Clock

OTHER_SERVER = "https://other.example.org/fhir"
OUTCOME = {
    "resourceType": "OperationOutcome",
    "issue": [{"severity": "error", "code": "processing", "diagnostics": "HAPI-1094: not found"}],
}


def _written(version: str = "1", digest: str = "a" * 64) -> list[SyncedResource]:
    return [
        SyncedResource("EpisodeOfCare", "cm-eoc-1", version, digest, internal_key="CM-1"),
        SyncedResource("Goal", "cm-goal-1", version, digest, changed=False),
    ]


def _fail(ledger: Ledger, run_id: int, reason: ReasonCode = ReasonCode.DANGLING_REFERENCE, **kw):
    return ledger.record_failure(
        run_id,
        SERVER,
        "CM-1",
        reason=reason,
        error_class="InvalidResource",
        message="Goal references a Condition the server does not have",
        outcome=OUTCOME,
        status=400,
        server_code="HAPI-1094",
        **kw,
    )


def test_recorded_success_is_known_afterwards(ledger: Ledger, run_id: int, clock: Clock):
    ledger.record_success(run_id, SERVER, "CM-1", _written(version="3"))
    known = ledger.known(
        SERVER, [("EpisodeOfCare", "cm-eoc-1"), ("Goal", "cm-goal-1"), ("Task", "never-sent")]
    )
    assert set(known) == {
        ResourceKey("EpisodeOfCare", "cm-eoc-1"),
        ResourceKey("Goal", "cm-goal-1"),
    }
    episode = known[ResourceKey("EpisodeOfCare", "cm-eoc-1")]
    assert (episode.version_id, episode.content_hash, episode.case_id) == ("3", "a" * 64, "CM-1")
    assert episode.internal_key == "CM-1"
    assert episode.last_synced_at == clock.now
    assert episode.last_synced_at is not None
    assert episode.last_synced_at.tzinfo is UTC
    assert episode.attempts == 0


def test_known_is_per_server(ledger: Ledger, run_id: int):
    ledger.record_success(run_id, SERVER, "CM-1", _written())
    assert ledger.known(OTHER_SERVER, [("EpisodeOfCare", "cm-eoc-1")]) == {}


def test_a_later_success_replaces_version_and_hash(ledger: Ledger, run_id: int):
    ledger.record_success(run_id, SERVER, "CM-1", _written(version="1", digest="a" * 64))
    ledger.record_success(run_id, SERVER, "CM-1", _written(version="2", digest="b" * 64))
    entry = ledger.known(SERVER, [("EpisodeOfCare", "cm-eoc-1")])[
        ResourceKey("EpisodeOfCare", "cm-eoc-1")
    ]
    assert (entry.version_id, entry.content_hash) == ("2", "b" * 64)


def test_a_resource_reported_twice_in_one_case_keeps_the_last_report(ledger: Ledger, run_id: int):
    twice = [
        SyncedResource("Goal", "cm-goal-1", "1", "a" * 64),
        SyncedResource("Goal", "cm-goal-1", "2", "b" * 64),
    ]
    ledger.record_success(run_id, SERVER, "CM-1", twice)
    entry = ledger.known(SERVER, [("Goal", "cm-goal-1")])[ResourceKey("Goal", "cm-goal-1")]
    assert entry.version_id == "2"


def test_known_answers_for_more_keys_than_one_query_holds(ledger: Ledger, run_id: int):
    many = [SyncedResource("Task", f"cm-task-{n}", "1", "c" * 64) for n in range(1200)]
    ledger.record_success(run_id, SERVER, "CM-1", many)
    keys = [(r.resource_type, r.resource_id) for r in many]
    assert len(ledger.known(SERVER, keys)) == 1200


def test_failure_opens_a_dead_letter_with_the_outcome(ledger: Ledger, run_id: int):
    letter = _fail(ledger, run_id)
    assert letter.is_open
    assert letter.reason is ReasonCode.DANGLING_REFERENCE
    assert (letter.http_status, letter.server_code, letter.attempts) == (400, "HAPI-1094", 1)
    assert letter.operation_outcome == OUTCOME
    assert ledger.dead_letter(letter.id) == letter
    assert ledger.dead_letters() == [letter]


def test_repeated_failures_fold_into_one_dead_letter(ledger: Ledger, run_id: int, clock: Clock):
    first = _fail(ledger, run_id)
    clock.advance(minutes=5)
    again = _fail(ledger, run_id, reason=ReasonCode.RETRIES_EXHAUSTED)
    assert again.id == first.id
    assert again.attempts == 2
    assert again.reason is ReasonCode.RETRIES_EXHAUSTED
    assert (again.first_at, again.last_at) == (first.first_at, clock.now)
    assert len(ledger.dead_letters()) == 1


def test_success_resolves_the_open_dead_letter(ledger: Ledger, run_id: int):
    letter = _fail(ledger, run_id)
    ledger.record_success(run_id, SERVER, "CM-1", _written())
    assert ledger.dead_letters() == []
    resolved = ledger.dead_letter(letter.id)
    assert resolved is not None
    assert not resolved.is_open
    assert resolved.resolution == "succeeded"


def test_a_new_failure_after_resolution_opens_a_fresh_dead_letter(ledger: Ledger, run_id: int):
    old = _fail(ledger, run_id)
    ledger.record_success(run_id, SERVER, "CM-1", _written())
    new = _fail(ledger, run_id)
    assert new.id != old.id
    assert new.attempts == 1
    assert [letter.id for letter in ledger.dead_letters(open_only=False)] == [old.id, new.id]


def test_dead_letters_filter_by_server_and_reason(ledger: Ledger, run_id: int):
    _fail(ledger, run_id)
    ledger.record_failure(
        run_id,
        OTHER_SERVER,
        "CM-2",
        reason=ReasonCode.AUTH,
        error_class="AccessDenied",
        message="401",
    )
    assert [d.case_id for d in ledger.dead_letters(OTHER_SERVER)] == ["CM-2"]
    assert [d.case_id for d in ledger.dead_letters(reason=ReasonCode.AUTH)] == ["CM-2"]


def test_resolving_a_dead_letter_by_hand(ledger: Ledger, run_id: int):
    letter = _fail(ledger, run_id)
    discarded = ledger.resolve_dead_letter(letter.id)
    assert discarded.resolution == "discarded"
    assert not discarded.is_open
    assert ledger.resolve_dead_letter(letter.id, resolution="replayed").resolution == "discarded"
    with pytest.raises(LedgerError, match="no dead letter 999"):
        ledger.resolve_dead_letter(999)


def test_failure_counts_on_the_entries_it_names(ledger: Ledger, run_id: int):
    ledger.record_success(run_id, SERVER, "CM-1", _written())
    _fail(ledger, run_id, resources=[("EpisodeOfCare", "cm-eoc-1"), ("Task", "cm-task-9")])
    _fail(ledger, run_id, resources=[("EpisodeOfCare", "cm-eoc-1")])
    known = ledger.known(SERVER, [("EpisodeOfCare", "cm-eoc-1"), ("Task", "cm-task-9")])
    episode, task = (
        known[ResourceKey("EpisodeOfCare", "cm-eoc-1")],
        known[ResourceKey("Task", "cm-task-9")],
    )
    assert (episode.attempts, episode.last_error_class, episode.version_id) == (
        2,
        "InvalidResource",
        "1",
    )
    assert (task.attempts, task.version_id, task.content_hash) == (1, None, None)
    ledger.record_success(run_id, SERVER, "CM-1", _written())
    episode = ledger.known(SERVER, [("EpisodeOfCare", "cm-eoc-1")])[
        ResourceKey("EpisodeOfCare", "cm-eoc-1")
    ]
    assert (episode.attempts, episode.last_error_class) == (0, None)


def test_attempts_for_case_tell_the_whole_story(ledger: Ledger, run_id: int, clock: Clock):
    _fail(ledger, run_id)
    clock.advance(seconds=1)
    _fail(ledger, run_id, reason=ReasonCode.CONFLICT)
    clock.advance(seconds=1)
    ledger.record_success(run_id, SERVER, "CM-1", _written())
    clock.advance(seconds=1)
    ledger.record_success(
        run_id, SERVER, "CM-1", [SyncedResource("Goal", "cm-goal-1", "1", "a" * 64, changed=False)]
    )
    story = ledger.attempts_for_case("CM-1")
    assert [a.outcome for a in story] == [
        AttemptOutcome.FAILED,
        AttemptOutcome.CONFLICT,
        AttemptOutcome.WRITTEN,
        AttemptOutcome.UNCHANGED,
    ]
    assert story[0].operation_outcome == OUTCOME
    assert story[0].server_code == "HAPI-1094"
    assert story[2].resources == [
        {"type": "EpisodeOfCare", "id": "cm-eoc-1", "version_id": "1", "changed": True},
        {"type": "Goal", "id": "cm-goal-1", "version_id": "1", "changed": False},
    ]
    assert ledger.attempts_for_case("CM-1", server=OTHER_SERVER) == []


def test_run_counts_follow_recorded_cases(ledger: Ledger):
    run = ledger.start_run(RunKind.PUSH, SERVER, cases_total=2)
    ledger.record_success(run.id, SERVER, "CM-1", _written())
    ledger.record_failure(
        run.id,
        SERVER,
        "CM-2",
        reason=ReasonCode.INVALID_RESOURCE,
        error_class="InvalidResource",
        message="x",
    )
    done = ledger.finish_run(run.id, summary={"strategy": "put-by-id"})
    assert (done.cases_total, done.cases_ok, done.cases_failed) == (2, 1, 1)
    assert (done.resources_written, done.resources_unchanged) == (1, 1)
    assert done.summary == {"strategy": "put-by-id"}
    assert done.status == "completed"
    assert done.finished_at is not None


def test_recording_against_an_unknown_run_is_a_ledger_error(ledger: Ledger):
    with pytest.raises(LedgerError, match="record_success"):
        ledger.record_success(12345, SERVER, "CM-1", _written())
    assert ledger.known(SERVER, [("EpisodeOfCare", "cm-eoc-1")]) == {}


def test_a_shared_resource_keeps_the_newer_version_when_cases_record_out_of_order(
    ledger: Ledger, run_id: int
) -> None:
    patient = ("Patient", "cm-patient-shared")
    # Two cases of one client wrote its Patient (v3 after v2); the v3 case recorded first.
    ledger.record_success(run_id, SERVER, "CM-2", [SyncedResource(*patient, "3", "b" * 64)])
    ledger.record_success(run_id, SERVER, "CM-1", [SyncedResource(*patient, "2", "a" * 64)])

    entry = ledger.known(SERVER, [patient])[ResourceKey(*patient)]
    assert (entry.version_id, entry.content_hash, entry.case_id) == ("3", "b" * 64, "CM-2")


def test_a_later_run_may_record_a_lower_version(ledger: Ledger, run_id: int, clock: Clock) -> None:
    # A server that was reset numbers from 1 again: the newer run's word counts.
    patient = ("Patient", "cm-patient-reset")
    ledger.record_success(run_id, SERVER, "CM-1", [SyncedResource(*patient, "5", "a" * 64)])
    clock.advance(seconds=1)
    later = ledger.start_run(RunKind.PUSH, SERVER).id
    clock.advance(seconds=1)

    ledger.record_success(later, SERVER, "CM-1", [SyncedResource(*patient, "1", "b" * 64)])

    assert ledger.known(SERVER, [patient])[ResourceKey(*patient)].version_id == "1"


def test_a_concurrent_run_keeps_the_newer_version_another_process_recorded_first(
    ledger: Ledger, clock: Clock
) -> None:
    # Two processes on one ledger: run A wrote v2, run B wrote v3 on top of it, B recorded
    # first. A's late record of v2 must not hide v3, which the server holds.
    patient = ("Patient", "cm-patient-raced")
    run_a = ledger.start_run(RunKind.PUSH, SERVER).id
    run_b = ledger.start_run(RunKind.PUSH, SERVER).id
    clock.advance(seconds=1)
    ledger.record_success(run_b, SERVER, "CM-1", [SyncedResource(*patient, "3", "b" * 64)])
    clock.advance(seconds=1)
    ledger.record_success(run_a, SERVER, "CM-1", [SyncedResource(*patient, "2", "a" * 64)])

    assert ledger.known(SERVER, [patient])[ResourceKey(*patient)].version_id == "3"

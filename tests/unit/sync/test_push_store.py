"""The push hot path's ledger calls, on SQLite and PostgreSQL: what the context vouches for and
what takes that back (a partial push, a forgotten entry, an open dead letter)."""

from __future__ import annotations

from typing import Any

import pytest

from adapter.sync.ledger import Ledger, PushContext, StoredCase
from adapter.sync.ledger.records import ResourceKey, SyncedResource
from adapter.sync.ledger.schema import AttemptOutcome, ReasonCode
from tests.support.ledger import SERVER, Clock

SOURCE = "cases/CM-1.json"
MAPPING = "f" * 32
DOC: dict[str, Any] = {"id": "CM-1", "status": "open", "plan": {"goals": [{"id": "G1"}]}}


def _landed() -> list[SyncedResource]:
    return [
        SyncedResource("EpisodeOfCare", "cm-eoc-1", "1", "a" * 64, internal_key="CM-1"),
        SyncedResource("Goal", "cm-goal-1", "1", "b" * 64),
    ]


def _pushed(ledger: Ledger, run_id: int, mapping: str | None = MAPPING) -> None:
    ledger.put_case("CM-1", DOC, source=SOURCE)
    ledger.record_success(run_id, SERVER, "CM-1", _landed(), snapshot=DOC, mapping=mapping)


def test_a_case_pushed_in_full_is_vouched_for(ledger: Ledger, run_id: int):
    _pushed(ledger, run_id)

    context = ledger.push_context(SERVER, "CM-1")

    assert (context.mapping, context.resources, context.dead_letter_open) == (MAPPING, 2, False)
    assert context.unchanged(DOC, MAPPING)
    assert not context.unchanged({**DOC, "status": "closed"}, MAPPING)
    assert not context.unchanged(DOC, "0" * 32)
    assert not ledger.push_context("https://other.example.org/fhir", "CM-1").unchanged(DOC, MAPPING)


def test_a_snapshot_without_mapping_vouches_for_nothing(ledger: Ledger, run_id: int):
    _pushed(ledger, run_id, mapping=None)
    context = ledger.push_context(SERVER, "CM-1")
    assert (context.mapping, context.resources) == (None, None)
    assert not context.unchanged(DOC, MAPPING)


def test_a_partial_push_takes_the_vouching_back(ledger: Ledger, run_id: int):
    _pushed(ledger, run_id)
    ledger.record_partial(
        run_id,
        SERVER,
        "CM-1",
        _landed()[:1],
        reason=ReasonCode.INVALID_RESOURCE,
        failed=[("Goal", "cm-goal-1")],
        failure={"error_class": "InvalidResource", "message": "Goal refused"},
        snapshot=DOC,
    )
    context = ledger.push_context(SERVER, "CM-1")
    assert context.dead_letter_open
    assert context.mapping is None
    assert not context.unchanged(DOC, MAPPING)


def test_an_open_dead_letter_takes_the_vouching_back(ledger: Ledger, run_id: int):
    _pushed(ledger, run_id)
    ledger.record_failure(
        run_id,
        SERVER,
        "CM-1",
        reason=ReasonCode.RETRIES_EXHAUSTED,
        error_class="ServerError",
        message="the server failed",
    )
    assert not ledger.push_context(SERVER, "CM-1").unchanged(DOC, MAPPING)


def test_forgetting_a_resource_takes_the_vouching_back(ledger: Ledger, run_id: int):
    _pushed(ledger, run_id)
    assert ledger.forget(SERVER, [("Goal", "cm-goal-1")]) == 1
    context = ledger.push_context(SERVER, "CM-1")
    assert (context.mapping, context.resources) == (None, None)
    assert context.snapshot == DOC  # still the merge base


def test_accept_case_stores_and_answers_what_is_known(ledger: Ledger, run_id: int):
    _pushed(ledger, run_id)
    changed = {**DOC, "status": "closed"}

    known = ledger.accept_case(
        SERVER,
        "CM-1",
        changed,
        source=SOURCE,
        resources=[("Goal", "cm-goal-1"), ("Task", "cm-task-new")],
    )

    assert set(known) == {ResourceKey("Goal", "cm-goal-1")}
    stored = ledger.get_case("CM-1")
    assert stored is not None
    assert stored.document == changed


def test_unchanged_cases_are_recorded_in_one_batch(ledger: Ledger, run_id: int, clock: Clock):
    ledger.put_case("CM-1", DOC, source=SOURCE)
    ledger.put_case("CM-2", {**DOC, "id": "CM-2"}, source="cases/CM-2.json")
    ledger.record_unchanged(
        run_id, SERVER, [("CM-1", 16, "exports/2026-11-24/CM-1.json"), ("CM-2", 20, None)]
    )
    ledger.record_unchanged(run_id, SERVER, [])

    run = ledger.run(run_id)
    assert run is not None
    assert (run.cases_ok, run.resources_unchanged, run.resources_written) == (2, 36, 0)
    for case_id in ("CM-1", "CM-2"):
        [attempt] = ledger.attempts_for_case(case_id)
        assert attempt.outcome is AttemptOutcome.UNCHANGED
        assert attempt.at == clock.now
    sources = [ledger.get_case(case_id) for case_id in ("CM-1", "CM-2")]
    assert [s.source if s else None for s in sources] == [
        "exports/2026-11-24/CM-1.json",
        "cases/CM-2.json",
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({}, True),
        ({"stored": None}, False),
        ({"dead_letter_open": True}, False),
        ({"resources": None}, False),
        ({"snapshot": {"id": "CM-1"}}, False),
    ],
)
def test_unchanged_needs_every_condition(ledger: Ledger, change: dict[str, Any], expected: bool):
    stored = StoredCase("CM-1", DOC, SOURCE, ledger._now())
    fields: dict[str, Any] = {
        "stored": stored,
        "snapshot": DOC,
        "mapping": MAPPING,
        "resources": 2,
        "dead_letter_open": False,
    }
    context = PushContext(**{**fields, **change})
    assert context.unchanged(DOC, MAPPING) is expected
    assert not context.unchanged([DOC], MAPPING)


def test_an_open_case_management_conflict_is_a_dispute_to_restore_and_closes_with_the_push(
    ledger: Ledger, run_id: int
):
    _pushed(ledger, run_id)
    goal = ("Goal", "cm-goal-1")
    pulled = ledger.record_conflict(
        SERVER, "CM-1", goal, local_version="1", server_version="2", fields=["description"],
        detail={"kind": "case-management-owned", "message": "..."},
    )  # fmt: skip
    ledger.record_conflict(  # a push's unmerged conflict: not for the push to restore
        SERVER, "CM-1", goal, local_version="1", server_version="2", fields=["target"],
        detail={"conflicts": ["target"]},
    )  # fmt: skip

    context = ledger.push_context(SERVER, "CM-1")

    assert [(d.conflict_id, d.resource, d.fields) for d in context.disputes] == [
        (pulled.id, ResourceKey(*goal), ("description",))
    ]
    assert not context.unchanged(DOC, MAPPING)  # the element must be written back
    ledger.record_success(run_id, SERVER, "CM-1", _landed(), resolved=[pulled.id])
    assert [c.fields for c in ledger.conflicts(case_id="CM-1")] == [["target"]]
    assert ledger.push_context(SERVER, "CM-1").disputes == ()


def test_what_the_cm_system_sent_is_kept_apart_from_the_accepted_case(ledger: Ledger):
    sent = {**DOC, "status": "open", "note": "as exported"}
    ledger.put_case("CM-1", DOC, source="api", sent=sent)
    ledger.put_case("CM-1", {**DOC, "status": "closed"}, source="pull")  # a pull: sent stays

    found = ledger.get_case("CM-1")

    assert found is not None
    assert (found.document, found.sent) == ({**DOC, "status": "closed"}, sent)

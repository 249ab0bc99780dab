"""The no-op fast path against the real HAPI: a case pushed in full as it is, with the same
mapping, is answered from its snapshot (no mapping, no entry rewritten, no request); anything
that could make it send again (a new mapping, forgotten entries) plans it resource by resource."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from adapter.fhir import FHIRClient
from adapter.mappings.bundle import case_to_resources
from adapter.model.validation import parse_case
from adapter.sync.ledger import AttemptOutcome, Ledger
from adapter.sync.ledger.schema import entries
from adapter.sync.push import state as push_state
from adapter.sync.push.outcomes import CaseStatus
from adapter.sync.push.run import CaseInput, push_cases
from adapter.sync.resources import key_of
from tests.integration.push_support import CountingTransport, fresh_cases

pytestmark = pytest.mark.integration


def inputs(cases: list[dict[str, Any]]) -> list[CaseInput]:
    return [CaseInput(case["id"], case, f"cases/{case['id']}.json") for case in cases]


def resource_count(case: dict[str, Any]) -> int:
    return len(case_to_resources(parse_case(case)))


def entry_runs(ledger: Ledger, case_id: str) -> set[int | None]:
    """The runs that last wrote the entries of ``case_id``."""
    with ledger._read("test") as conn:
        rows = conn.execute(select(entries.c.last_run_id).where(entries.c.case_id == case_id))
        return {row.last_run_id for row in rows}


async def test_unchanged_case_is_answered_without_touching_its_entries(
    client: FHIRClient, ledger: Ledger, transport: CountingTransport
):
    cases = fresh_cases(3)
    first = await push_cases(inputs(cases), client=client, ledger=ledger)
    assert first.all_ok
    transport.requests.clear()

    again = await push_cases(inputs(cases), client=client, ledger=ledger)

    assert transport.case_requests == []
    assert [o.status for o in again.cases] == [CaseStatus.UNCHANGED] * 3
    assert [o.unchanged for o in again.cases] == [resource_count(c) for c in cases]
    for case in cases:
        assert entry_runs(ledger, case["id"]) == {first.run_id}
        assert ledger.attempts_for_case(case["id"])[-1].outcome is AttemptOutcome.UNCHANGED
    run = ledger.run(again.run_id)
    assert run is not None
    assert (run.cases_ok, run.cases_failed) == (3, 0)
    assert run.resources_unchanged == sum(resource_count(c) for c in cases)
    assert run.resources_written == 0


async def test_a_new_mapping_plans_the_case_again(
    client: FHIRClient,
    ledger: Ledger,
    transport: CountingTransport,
    monkeypatch: pytest.MonkeyPatch,
):
    [case] = fresh_cases(1)
    await push_cases(inputs([case]), client=client, ledger=ledger)
    monkeypatch.setattr(push_state, "mapping_fingerprint", lambda namespace: "an upgrade")
    transport.requests.clear()

    planned = await push_cases(inputs([case]), client=client, ledger=ledger)

    # Planned resource by resource (the entries are rewritten by this run), but the mapping
    # produced the same resources, so nothing is sent.
    assert transport.case_requests == []
    assert planned.cases[0].status is CaseStatus.UNCHANGED
    assert entry_runs(ledger, case["id"]) == {planned.run_id}
    fast = await push_cases(inputs([case]), client=client, ledger=ledger)
    assert entry_runs(ledger, case["id"]) == {planned.run_id}
    assert fast.cases[0].unchanged == resource_count(case)


async def test_forgotten_resources_are_sent_again(
    client: FHIRClient, ledger: Ledger, transport: CountingTransport
):
    [case] = fresh_cases(1)
    await push_cases(inputs([case]), client=client, ledger=ledger)
    goal = next(
        key_of(r) for r in case_to_resources(parse_case(case)) if r["resourceType"] == "Goal"
    )
    assert ledger.forget(client.base.url, [goal]) == 1
    transport.requests.clear()

    report = await push_cases(inputs([case]), client=client, ledger=ledger)

    assert report.all_ok
    assert len(transport.case_requests) == 1  # one transaction carrying the forgotten Goal
    assert goal in ledger.known(client.base.url, [goal])


async def test_a_file_read_from_elsewhere_keeps_the_fast_path_and_its_new_source(
    client: FHIRClient, ledger: Ledger, transport: CountingTransport
):
    [case] = fresh_cases(1)
    first = await push_cases(inputs([case]), client=client, ledger=ledger)
    transport.requests.clear()

    moved = [CaseInput(case["id"], case, "exports/2026-11-24/case.json")]
    report = await push_cases(moved, client=client, ledger=ledger)

    assert transport.case_requests == []
    assert report.cases[0].status is CaseStatus.UNCHANGED
    assert entry_runs(ledger, case["id"]) == {first.run_id}
    stored = ledger.get_case(case["id"])
    assert stored is not None
    assert stored.source == "exports/2026-11-24/case.json"

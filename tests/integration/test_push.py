"""Push against the real HAPI: exact resources, nothing re-sent, one change one version, merges
by ownership, conflicts kept, poison entries isolated."""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import urlsplit

import pytest

from adapter.fhir import FHIRClient
from adapter.mappings.bundle import case_to_resources
from adapter.model.validation import parse_case
from adapter.sync.ledger import AttemptOutcome, Ledger, ReasonCode
from adapter.sync.push.marker import marker_id
from adapter.sync.push.outcomes import CaseStatus
from adapter.sync.push.planner import plan_case
from adapter.sync.push.run import CaseInput, push_cases
from adapter.sync.push.sender import CaseSender
from adapter.sync.resources import key_of
from tests.integration.push_support import (
    CountingTransport,
    expected_counts,
    fresh_cases,
    server_counts,
)

pytestmark = pytest.mark.integration


def inputs(cases: list[dict[str, Any]]) -> list[CaseInput]:
    return [CaseInput(case["id"], case, "api") for case in cases]


def resource_of(case: dict[str, Any], kind: str, index: int = 0) -> dict[str, Any]:
    return [r for r in case_to_resources(parse_case(case)) if r["resourceType"] == kind][index]


async def test_push_lands_exactly_the_mapped_resources(client: FHIRClient, ledger: Ledger):
    cases = fresh_cases()

    report = await push_cases(inputs(cases), client=client, ledger=ledger)

    assert report.all_ok
    assert report.count(CaseStatus.WRITTEN) == len(cases)
    expected = expected_counts(cases)
    assert report.resources_written == sum(expected.values())
    assert await server_counts(client, cases) == expected


async def test_unchanged_cases_send_only_the_marker_read_and_keep_versions(
    client: FHIRClient, ledger: Ledger, transport: CountingTransport
):
    cases = fresh_cases(4)
    await push_cases(inputs(cases), client=client, ledger=ledger)
    goal = key_of(resource_of(cases[0], "Goal"))
    version_before = (await client.read(*goal))["meta"]["versionId"]
    transport.requests.clear()

    report = await push_cases(inputs(cases), client=client, ledger=ledger)

    # One read of the installation's marker (did the server lose data?), no write at all.
    assert transport.requests == [f"GET {urlsplit(client.base.url).path}/Basic/{marker_id(None)}"]
    assert report.server_check == "same"
    assert report.count(CaseStatus.UNCHANGED) == 4
    assert report.resources_written == 0
    last = [ledger.attempts_for_case(case["id"])[-1].outcome for case in cases]
    assert last == [AttemptOutcome.UNCHANGED] * 4
    assert (await client.read(*goal))["meta"]["versionId"] == version_before


async def test_changing_one_goal_writes_exactly_that_goal(client: FHIRClient, ledger: Ledger):
    [case] = fresh_cases(1)
    await push_cases(inputs([case]), client=client, ledger=ledger)
    changed = copy.deepcopy(case)
    changed["plan"]["goals"][0]["description"] = "Walk to the mailbox and back every day"
    goal = key_of(resource_of(changed, "Goal"))

    report = await push_cases(inputs([changed]), client=client, ledger=ledger)

    assert report.resources_written == 1
    assert (await client.read(*goal))["meta"]["versionId"] == "2"
    written = [r for r in ledger.attempts_for_case(case["id"])[-1].resources or [] if r["changed"]]
    assert [(r["type"], r["id"], r["version_id"]) for r in written] == [(*goal, "2")]


async def _server_edits_task(client: FHIRClient, case: dict[str, Any], **changes: Any) -> None:
    task = await client.read(*key_of(resource_of(case, "Task")))
    task.update(changes)
    await client.update(task)


async def test_server_task_status_kept_and_local_description_applied(
    client: FHIRClient, ledger: Ledger
):
    [case] = fresh_cases(1)  # CM-2001: its first task is open
    await push_cases(inputs([case]), client=client, ledger=ledger)
    await _server_edits_task(client, case, status="completed")
    local = copy.deepcopy(case)
    local["tasks"][0]["description"] = "Call the cardiology clinic on Monday"
    task_key = key_of(resource_of(local, "Task"))

    report = await push_cases(inputs([local]), client=client, ledger=ledger)

    assert report.all_ok
    assert report.cases[0].merged == 1
    task = await client.read(*task_key)
    assert task["status"] == "completed"
    assert task["description"] == "Call the cardiology clinic on Monday"
    [conflict] = ledger.conflicts(case_id=case["id"], open_only=False)
    assert conflict.resolved_at is not None
    assert conflict.detail is not None
    assert "status" in conflict.detail["kept_from_server"]
    assert "description" in conflict.detail["applied"]
    # The merge took the completion into the stored case (issue 14): the next push keeps it
    # (the file is behind), never reverts the server's status, and sends only what derives
    # from it (the referral task's ServiceRequest); the one after sends nothing.
    assert report.cases[0].taken == ("task T-1 status: accepted -> completed",)
    again = await push_cases(inputs([local]), client=client, ledger=ledger)
    sent = [r for r in ledger.attempts_for_case(case["id"])[-1].resources or [] if r["changed"]]
    assert {r["type"] for r in sent} <= {"ServiceRequest"}
    assert (await client.read(*task_key))["status"] == "completed"
    third = await push_cases(inputs([local]), client=client, ledger=ledger)
    assert third.cases[0].status is CaseStatus.UNCHANGED
    assert again.cases[0].ok


async def test_both_sides_changing_a_plan_field_is_kept_as_a_conflict(
    client: FHIRClient, ledger: Ledger
):
    [case] = fresh_cases(1)
    await push_cases(inputs([case]), client=client, ledger=ledger)
    await _server_edits_task(client, case, description="Changed by the clinic")
    local = copy.deepcopy(case)
    local["tasks"][0]["description"] = "Changed by the case manager"
    local["plan"]["goals"][0]["description"] = "A goal changed locally"
    task_key, goal_key = key_of(resource_of(local, "Task")), key_of(resource_of(local, "Goal"))

    report = await push_cases(inputs([local]), client=client, ledger=ledger)

    [outcome] = report.cases
    assert outcome.status is CaseStatus.FAILED
    assert outcome.reason is ReasonCode.CONFLICT
    assert (await client.read(*task_key))["description"] == "Changed by the clinic"
    assert (await client.read(*goal_key))["description"]["text"] == "A goal changed locally"
    [conflict] = ledger.conflicts(case_id=case["id"])
    assert conflict.fields == ["description"]
    assert [letter.reason for letter in ledger.dead_letters()] == [ReasonCode.CONFLICT]


async def test_bisection_lands_everything_but_the_poison_entry(client: FHIRClient):
    [case] = fresh_cases(1)
    resources = case_to_resources(parse_case(case))
    poison = next(r for r in resources if r["resourceType"] == "Observation")
    poison["status"] = "not-a-status"  # HAPI refuses to parse the whole bundle for this
    plan = plan_case(case["id"], resources, {})

    sent = await CaseSender(client).send(plan.send)

    assert [key for key, _ in sent.failed] == [key_of(poison)]
    [(_, failure)] = sent.failed
    assert failure.reason is ReasonCode.INVALID_RESOURCE
    assert "HAPI-1821" in failure.message
    landed = {(r.resource_type, r.resource_id) for r in sent.landed}
    assert landed == {key_of(r) for r in resources} - {key_of(poison)}


async def test_bisection_holds_back_what_references_the_poison_entry(client: FHIRClient):
    [case] = fresh_cases(1)
    resources = case_to_resources(parse_case(case))
    goal = next(r for r in resources if r["resourceType"] == "Goal")
    goal["lifecycleStatus"] = "bogus"
    plan = plan_case(case["id"], resources, {})

    sent = await CaseSender(client).send(plan.send)

    failed = dict(sent.failed)
    assert failed[key_of(goal)].reason is ReasonCode.INVALID_RESOURCE
    blocked = {key for key, f in failed.items() if f.reason is ReasonCode.DANGLING_REFERENCE}
    assert blocked
    assert all(key_of(goal) != key for key in blocked)
    landed = {(r.resource_type, r.resource_id) for r in sent.landed}
    assert landed | set(failed) == {key_of(r) for r in resources}
    for key in landed:  # what landed really is on the server
        assert (await client.read(*key))["id"] == key[1]

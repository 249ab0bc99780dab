"""Partial pushes against the real HAPI: what lands when one entry cannot, and what the ledger
then takes as the base of later merges."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import pytest

from adapter.fhir import FHIRClient
from adapter.mappings.bundle import case_to_resources
from adapter.model.validation import parse_case
from adapter.sync.ledger import Ledger, ReasonCode
from adapter.sync.push.outcomes import CaseStatus
from adapter.sync.push.planner import plan_case
from adapter.sync.push.run import CaseInput, push_cases
from adapter.sync.push.sender import CaseSender
from adapter.sync.resources import key_of
from tests.integration.push_support import fresh_cases

pytestmark = pytest.mark.integration


async def edit_on_server(client: FHIRClient, case: dict[str, Any], record: str, **elements: Any):
    """Another system changes the resource of ``record`` (``T-2``, ``G-1``) on the server."""
    [resource] = [
        r
        for r in case_to_resources(parse_case(case))
        if any(i["value"] == f"{case['id']}/{record}" for i in r.get("identifier", []))
    ]
    current = await client.read(resource["resourceType"], resource["id"])
    await client.update({**current, **elements})
    return resource["resourceType"], resource["id"]


async def push(client: FHIRClient, ledger: Ledger, case: dict[str, Any]) -> Any:
    [outcome] = (
        await push_cases([CaseInput(case["id"], case, "test")], client=client, ledger=ledger)
    ).cases
    return outcome


def record(case: dict[str, Any], record_id: str) -> dict[str, Any]:
    return next(r for r in [*case["tasks"], *case["plan"]["goals"]] if r["id"] == record_id)


async def test_a_conditional_reference_matching_nothing_holds_back_only_its_resource(
    client: FHIRClient,
):
    [case] = fresh_cases(1)
    resources = case_to_resources(parse_case(case))
    # Another system's style: a match URL instead of an id. HAPI answers the whole transaction
    # with 404 HAPI-1091 without saying which entry.
    stray = next(r for r in resources if r["resourceType"] == "Communication")
    nobody = f"urn:test:nobody|{uuid.uuid4().hex}"
    stray["recipient"] = [{"reference": f"Patient?identifier={nobody}"}]
    plan = plan_case(case["id"], resources, {})

    sent = await CaseSender(client).send(plan.send)

    [(key, failure)] = sent.failed
    assert key == key_of(stray)
    assert failure.reason is ReasonCode.DANGLING_REFERENCE
    assert failure.server_code == "HAPI-1091"
    assert nobody not in failure.message  # the match URL quotes an identifier
    landed = {(r.resource_type, r.resource_id) for r in sent.landed}
    assert landed == {key_of(r) for r in resources} - {key_of(stray)}
    episode = next(k for k in landed if k[0] == "EpisodeOfCare")
    assert (await client.read(*episode))["id"] == episode[1]


async def test_after_a_partial_push_the_merge_base_holds_what_landed(client, ledger):
    [v0] = fresh_cases(1)  # CM-2001: task T-2 in progress, goal G-1
    assert (await push(client, ledger, v0)).status is CaseStatus.WRITTEN
    goal = await edit_on_server(client, v0, "G-1", description={"text": "server goal"})
    v1 = copy.deepcopy(v0)
    record(v1, "T-2")["description"] = "first wording"
    record(v1, "G-1")["description"] = "our goal"  # both sides: a conflict, the Goal stays

    partial = await push(client, ledger, v1)

    assert (partial.status, partial.reason) == (CaseStatus.FAILED, ReasonCode.CONFLICT)
    base = ledger.pushed_snapshot(client.base.url, v0["id"])
    assert base is not None
    assert record(base, "T-2")["description"] == "first wording"  # landed
    assert record(base, "G-1")["description"] == record(v0, "G-1")["description"]  # did not
    # The server rewords the task; we then change only its priority and settle the goal.
    task = await edit_on_server(client, v1, "T-2", description="server wording")
    v2 = copy.deepcopy(v1)
    record(v2, "T-2")["priority"] = "urgent"
    record(v2, "G-1")["description"] = "server goal"

    done = await push(client, ledger, v2)

    # With the old base our earlier wording would look like a fresh local change: a conflict.
    assert done.ok, done.describe()
    assert done.merged >= 1
    on_server = await client.read(*task)
    assert (on_server["description"], on_server["priority"]) == ("server wording", "urgent")
    assert (await client.read(*goal))["description"]["text"] == "server goal"

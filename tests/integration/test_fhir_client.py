"""The FHIR client against the real local HAPI server, one operation at a time.

Every test writes under its own identifier system (a fresh uuid4), so runs and other tests
sharing the server never see each other's data.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from adapter.errors import AmbiguousMatch, ResourceGone, ResourceInUse, VersionConflict
from adapter.fhir import FHIRClient

pytestmark = pytest.mark.integration

Resource = dict[str, Any]


@pytest.fixture
def system() -> str:
    return f"urn:cm-test:{uuid.uuid4()}"


@pytest.fixture
async def patient_ref(client: FHIRClient, system: str) -> str:
    patient = {"resourceType": "Patient", "identifier": [{"system": system, "value": "p"}]}
    created = await client.create(patient)
    return f"Patient/{created.id}"


def goal(
    system: str, value: str, patient_ref: str, text: str = "walk 30 minutes daily"
) -> Resource:
    return {
        "resourceType": "Goal",
        "identifier": [{"system": system, "value": value}],
        "lifecycleStatus": "active",
        "description": {"text": text},
        "subject": {"reference": patient_ref},
    }


async def count(client: FHIRClient, resource_type: str, identifier: str) -> int:
    return len(
        [r async for r in client.search(resource_type, {"identifier": identifier}, no_cache=True)]
    )


async def test_create_read_update_vread_delete(client, system, patient_ref):
    created = await client.create(goal(system, "g1", patient_ref))
    assert (created.status, created.version_id) == (201, "1")
    assert created.id is not None

    read = await client.read("Goal", created.id)
    assert read["description"]["text"] == "walk 30 minutes daily"

    updated = await client.update(
        {**read, "description": {"text": "walk 45 minutes"}}, if_match="1"
    )
    assert (updated.status, updated.version_id) == (200, "2")
    assert (await client.vread("Goal", created.id, "1"))["description"][
        "text"
    ] == "walk 30 minutes daily"

    deleted = await client.delete("Goal", created.id)
    assert deleted.status == 200
    with pytest.raises(ResourceGone) as caught:
        await client.read("Goal", created.id)
    assert caught.value.status == 410


async def test_stale_if_match_is_a_version_conflict_with_hapi_0989(client, system, patient_ref):
    created = await client.create(goal(system, "g1", patient_ref))
    current = await client.read("Goal", str(created.id))
    await client.update({**current, "description": {"text": "changed by someone else"}})
    with pytest.raises(VersionConflict) as caught:
        await client.update({**current, "description": {"text": "mine"}}, if_match="1")
    assert caught.value.status == 409
    assert caught.value.server_code == "HAPI-0989"


async def test_identical_update_is_reported_as_no_change(client, system, patient_ref):
    created = await client.create(goal(system, "g1", patient_ref))
    current = await client.read("Goal", str(created.id))
    again = await client.update(current, prefer="OperationOutcome")
    assert again.storage_code == "SUCCESSFUL_UPDATE_NO_CHANGE"
    assert again.version_id == "1"


async def test_conditional_update_creates_then_updates_one_resource(client, system, patient_ref):
    criteria = {"identifier": f"{system}|g1"}
    first = await client.conditional_update(goal(system, "g1", patient_ref), criteria)
    second = await client.conditional_update(
        goal(system, "g1", patient_ref, "walk 1 hour"), criteria
    )
    assert (first.status, second.status) == (201, 200)
    assert first.id == second.id
    assert second.version_id == "2"
    assert await count(client, "Goal", f"{system}|g1") == 1


async def test_conditional_update_matching_two_is_ambiguous(client, system, patient_ref):
    await client.create(goal(system, "dup", patient_ref))
    await client.create(goal(system, "dup", patient_ref))
    with pytest.raises(AmbiguousMatch) as caught:
        await client.conditional_update(
            goal(system, "dup", patient_ref), {"identifier": f"{system}|dup"}
        )
    assert (caught.value.status, caught.value.server_code) == (412, "HAPI-0988")


async def test_conditional_create_twice_leaves_one_resource(client, system, patient_ref):
    criteria = {"identifier": f"{system}|g1"}
    first = await client.create(goal(system, "g1", patient_ref), if_none_exist=criteria)
    second = await client.create(goal(system, "g1", patient_ref, "ignored"), if_none_exist=criteria)
    assert (first.status, second.status) == (201, 200)
    assert first.id == second.id
    assert await count(client, "Goal", f"{system}|g1") == 1


async def test_transaction_resolves_urn_uuid_references(client, system):
    patient_urn, goal_urn = f"urn:uuid:{uuid.uuid4()}", f"urn:uuid:{uuid.uuid4()}"
    patient = {"resourceType": "Patient", "identifier": [{"system": system, "value": "p"}]}
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": patient_urn,
                "resource": patient,
                "request": {"method": "POST", "url": "Patient"},
            },
            {
                "fullUrl": goal_urn,
                "resource": goal(system, "g1", patient_urn),
                "request": {"method": "PUT", "url": f"Goal?identifier={system}|g1"},
            },
        ],
    }
    result = await client.transaction(bundle)
    assert [e.status for e in result.entries] == [201, 201]
    patient_id, goal_id = result.entries[0].id, result.entries[1].id
    stored = await client.read("Goal", str(goal_id))
    assert stored["subject"]["reference"] == f"Patient/{patient_id}"


async def test_search_pages_through_more_than_one_page(client, system, patient_ref):
    for n in range(5):
        await client.create(goal(system, f"g{n}", patient_ref))
    params = {"identifier": f"{system}|", "_count": "2"}
    pages = [p async for p in client.search_pages("Goal", params, no_cache=True)]
    ids = [e["resource"]["id"] for p in pages for e in p.get("entry", [])]
    assert len(pages) == 3
    assert len(ids) == len(set(ids)) == 5


async def test_history_since_a_timestamp_lists_later_versions_and_deletes(
    client, system, patient_ref
):
    marker = await client.create(goal(system, "marker", patient_ref))
    since = str(marker.resource and marker.resource["meta"]["lastUpdated"])
    later = await client.create(goal(system, "later", patient_ref))
    await client.update({**(later.resource or {}), "lifecycleStatus": "completed"})
    await client.delete("Goal", str(later.id))
    entries = [e async for e in client.history("Goal", since=since, count=2)]
    mine = [e["request"]["method"] for e in entries if f"Goal/{later.id}" in e.get("fullUrl", "")]
    assert sorted(mine) == ["DELETE", "POST", "PUT"]


async def test_validate_an_invalid_resource_returns_errors_with_locations(client):
    priority = {
        "coding": [
            {"system": "http://terminology.hl7.org/CodeSystem/goal-priority", "code": "nope"}
        ]
    }
    invalid = {"resourceType": "Goal", "description": {"text": "x"}, "priority": priority}
    result = await client.validate(invalid)
    # HAPI answers 200 with the errors in the OperationOutcome (not 412, not an exception).
    assert (result.status, result.valid) == (200, False)
    diagnostics = " ".join(str(issue["diagnostics"]) for issue in result.errors)
    assert "Goal.lifecycleStatus: minimum required = 1" in diagnostics
    assert "Goal.priority" in [loc for issue in result.errors for loc in issue["locations"]]


async def test_validate_unparseable_content_returns_the_parse_error(client):
    result = await client.validate({"resourceType": "Goal", "lifecycleStatus": "not-a-status"})
    assert (result.status, result.valid) == (400, False)
    assert "HAPI-0450" in str(result.errors[0]["diagnostics"])


async def test_validate_a_valid_resource(client, system, patient_ref):
    result = await client.validate(goal(system, "g1", patient_ref))
    assert result.valid, result.errors
    assert result.status == 200


async def test_batch_with_one_bad_entry_reports_per_entry_results(client, system, patient_ref):
    bundle = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [
            {
                "resource": goal(system, "ok", patient_ref),
                "request": {"method": "PUT", "url": f"Goal?identifier={system}|ok"},
            },
            {
                "resource": goal(system, "bad", "Patient/does-not-exist-" + uuid.uuid4().hex[:8]),
                "request": {"method": "PUT", "url": f"Goal?identifier={system}|bad"},
            },
        ],
    }
    result = await client.batch(bundle)
    assert [e.ok for e in result.entries] == [True, False]
    [(index, failed)] = result.failed
    assert index == 1
    assert failed.status == 400
    assert any("HAPI-1094" in str(issue["diagnostics"]) for issue in failed.issues)
    assert await count(client, "Goal", f"{system}|ok") == 1


async def test_deleting_a_referenced_resource_is_resource_in_use(client, system, patient_ref):
    await client.create(goal(system, "g1", patient_ref))
    with pytest.raises(ResourceInUse) as caught:
        await client.delete("Patient", patient_ref.split("/")[1])
    assert caught.value.status == 409
    assert "has a reference to this resource" in str(caught.value.issues[0]["diagnostics"])


async def test_capabilities_is_a_capability_statement(client):
    statement = await client.capabilities()
    assert statement["resourceType"] == "CapabilityStatement"
    assert statement["fhirVersion"].startswith("4.0")

"""verify / repair and the check before a push, against the real HAPI: resources deleted behind
the adapter's back, the marker gone or older, a dangling reference to something that vanished."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest

from adapter.canonical import NAMESPACE_TAG_SYSTEM
from adapter.fhir import FHIRClient
from adapter.sync.ledger import Entry, Ledger, ResourceKey
from adapter.sync.push.marker import MARKER_TYPE, marker_id
from adapter.sync.push.repair import repair
from adapter.sync.push.run import CaseInput, push_cases
from adapter.sync.push.verify import verify
from tests.integration.push_support import (
    CountingTransport,
    expected_counts,
    fresh_cases,
    server_counts,
    wipe_namespace,
)

pytestmark = pytest.mark.integration


def inputs(cases: list[dict[str, object]]) -> list[CaseInput]:
    return [CaseInput(str(c["id"]), c, "test") for c in cases]


def _entries(ledger: Ledger, client: FHIRClient) -> dict[ResourceKey, Entry]:
    return {entry.key: entry for entry in ledger.claimed(client.base.url)}


def raw_delete(base: str, path: str) -> int:
    """A delete made by someone else, straight over HTTP."""
    return httpx.delete(f"{base}/{path}", timeout=60).status_code


@pytest.fixture
def namespace() -> str:
    return f"vt{uuid.uuid4().hex[:8]}"


async def test_verify_finds_what_was_deleted_and_repair_sends_only_that(
    client: FHIRClient, ledger: Ledger, fhir_base_url: str, namespace: str
) -> None:
    cases = fresh_cases(4)
    first = await push_cases(inputs(cases), client=client, ledger=ledger, namespace=namespace)
    assert first.all_ok
    clean = await verify(client, ledger, namespace=namespace)
    assert clean.agrees
    assert clean.resources == sum(expected_counts(cases, namespace).values())

    # Someone deletes every Communication of this installation (nothing references them).
    tag = f"{NAMESPACE_TAG_SYSTEM}|{namespace}"
    assert raw_delete(fhir_base_url, f"Communication?_tag={tag}") == 200
    lost = await verify(client, ledger, namespace=namespace)
    gone = lost.missing
    assert gone == expected_counts(cases, namespace)["Communication"] > 0
    assert not lost.agrees
    assert lost.changed == 0

    repaired = await repair(client, ledger, lost, namespace=namespace)
    assert repaired is not None
    assert repaired.all_ok
    assert repaired.resources_written == gone  # only what was lost went out again
    assert (await verify(client, ledger, namespace=namespace)).agrees
    assert await server_counts(client, cases, namespace) == expected_counts(cases, namespace)


async def test_a_change_made_on_the_server_is_reported_not_overwritten(
    client: FHIRClient, ledger: Ledger, namespace: str
) -> None:
    cases = fresh_cases(1)
    await push_cases(inputs(cases), client=client, ledger=ledger, namespace=namespace)
    entry = next(e for e in ledger.claimed(client.base.url) if e.resource_type == "Task")
    task = await client.read("Task", entry.resource_id)
    task["status"] = "completed"
    await client.update(task)
    report = await verify(client, ledger, namespace=namespace, case_ids=[cases[0]["id"]])
    assert report.changed == 1
    assert report.missing == 0
    assert await repair(client, ledger, report, namespace=namespace) is None


async def test_a_push_after_the_namespace_was_wiped_sends_everything_again(
    client: FHIRClient, ledger: Ledger, fhir_base_url: str, namespace: str
) -> None:
    cases = fresh_cases(3)
    await push_cases(inputs(cases), client=client, ledger=ledger, namespace=namespace)
    again = await push_cases(inputs(cases), client=client, ledger=ledger, namespace=namespace)
    assert again.resources_written == 0
    assert again.server_check == "same"

    # A purge behind the adapter's back: the leaf resources and the marker go.
    tag = f"{NAMESPACE_TAG_SYSTEM}|{namespace}"
    for kind in ("Communication", "Provenance", MARKER_TYPE):
        assert raw_delete(fhir_base_url, f"{kind}?_tag={tag}") == 200
    lost = (
        expected_counts(cases, namespace)["Communication"]
        + expected_counts(cases, namespace)["Provenance"]
    )

    after = await push_cases(inputs(cases), client=client, ledger=ledger, namespace=namespace)
    assert after.server_check == "lost"
    assert after.forgotten == lost
    assert after.resources_written == lost
    assert after.all_ok
    assert (await verify(client, ledger, namespace=namespace)).agrees
    assert await server_counts(client, cases, namespace) == expected_counts(cases, namespace)
    marker = await client.read(MARKER_TYPE, marker_id(namespace))
    assert marker["meta"]["versionId"] == ledger.get_setting(f"marker|{client.base.url}")


async def test_a_marker_older_than_recorded_means_a_restore_and_triggers_a_verify(
    client: FHIRClient, ledger: Ledger, namespace: str
) -> None:
    cases = fresh_cases(1)
    await push_cases(inputs(cases), client=client, ledger=ledger, namespace=namespace)
    ledger.set_setting(f"marker|{client.base.url}", "999")  # as if restored from a backup
    report = await push_cases(inputs(cases), client=client, ledger=ledger, namespace=namespace)
    assert report.server_check == "older"
    assert report.forgotten == 0
    assert report.resources_written == 0


async def test_a_ledger_from_before_markers_is_verified_once(
    client: FHIRClient, ledger: Ledger, fhir_base_url: str, namespace: str
) -> None:
    cases = fresh_cases(1)
    await push_cases(inputs(cases), client=client, ledger=ledger, namespace=namespace)
    assert raw_delete(fhir_base_url, f"{MARKER_TYPE}/{marker_id(namespace)}") == 200
    ledger.delete_setting(f"marker|{client.base.url}")  # as written by an adapter without markers
    first = await push_cases(inputs(cases), client=client, ledger=ledger, namespace=namespace)
    assert first.server_check == "unverified"
    assert first.forgotten == 0
    second = await push_cases(inputs(cases), client=client, ledger=ledger, namespace=namespace)
    assert second.server_check == "same"


async def test_a_dangling_reference_to_a_vanished_resource_resends_it_instead_of_failing(
    client: FHIRClient, ledger: Ledger, fhir_base_url: str, namespace: str
) -> None:
    cases = fresh_cases(1)
    await push_cases(inputs(cases), client=client, ledger=ledger, namespace=namespace)
    # Everything of the installation vanishes but the marker: only the server's answer tells.
    wipe_namespace(fhir_base_url, namespace, keep=(MARKER_TYPE,))
    assert sum((await server_counts(client, cases, namespace)).values()) == 0
    # The case manager edits one task: the plan sends only that Task, whose references point
    # at an EpisodeOfCare and a CarePlan the ledger says are there.
    case = cases[0]
    case["tasks"][0]["description"] = "Call the pharmacy again about the refill"
    report = await push_cases(inputs([case]), client=client, ledger=ledger, namespace=namespace)
    assert report.server_check == "same"
    assert report.all_ok, report.summary()
    assert await server_counts(client, cases, namespace) == expected_counts(cases, namespace)
    assert (await verify(client, ledger, namespace=namespace)).agrees


async def test_a_raw_conditional_delete_of_the_whole_namespace_is_repaired_by_the_next_push(
    client: FHIRClient, ledger: Ledger, fhir_base_url: str, namespace: str
) -> None:
    cases = fresh_cases(3)
    await push_cases(inputs(cases), client=client, ledger=ledger, namespace=namespace)
    wipe_namespace(fhir_base_url, namespace)
    report = await push_cases(inputs(cases), client=client, ledger=ledger, namespace=namespace)
    assert report.server_check == "lost"
    assert report.all_ok
    assert report.forgotten == sum(expected_counts(cases, namespace).values())
    assert await server_counts(client, cases, namespace) == expected_counts(cases, namespace)
    assert (await verify(client, ledger, namespace=namespace)).agrees


async def test_a_new_ledger_adopts_what_the_server_holds_instead_of_writing_it_again(
    client: FHIRClient,
    ledger: Ledger,
    namespace: str,
    tmp_path: Path,
    transport: CountingTransport,
) -> None:
    cases = fresh_cases(3)
    await push_cases(inputs(cases), client=client, ledger=ledger, namespace=namespace)
    versions = {key: entry.version_id for key, entry in _entries(ledger, client).items()}
    # The ledger is lost; the case-management system sends the same cases, one of them edited.
    cases[0]["tasks"][0]["description"] = "Call the pharmacy again about the refill"
    transport.written.clear()
    with Ledger.open(f"sqlite:///{tmp_path / 'new-ledger.db'}") as fresh:
        report = await push_cases(inputs(cases), client=client, ledger=fresh, namespace=namespace)
        assert report.server_check == "adopt"
        assert report.all_ok, report.summary()
        assert report.resources_written == 1
        # Only the edited Task was sent at all (not every resource again without If-Match).
        assert [url.split("/")[0] for url in transport.written] == ["Task"]
        assert await server_counts(client, cases, namespace) == expected_counts(cases, namespace)
        after = _entries(fresh, client)
        changed = [key for key, version in versions.items() if after[key].version_id != version]
        assert [key.resource_type for key in changed] == ["Task"]
        assert (await verify(client, fresh, namespace=namespace)).agrees
        again = await push_cases(inputs(cases), client=client, ledger=fresh, namespace=namespace)
        assert (again.server_check, again.resources_written) == ("same", 0)


async def test_a_resource_of_the_installation_the_ledger_does_not_know_is_listed_as_unknown(
    client: FHIRClient, ledger: Ledger, namespace: str
) -> None:
    cases = fresh_cases(2)
    await push_cases(inputs(cases), client=client, ledger=ledger, namespace=namespace)
    assert (await verify(client, ledger, namespace=namespace)).unknown == []
    # Written under the namespace by someone else (another ledger, a restore, a script).
    stray = {
        "resourceType": "Communication",
        "id": f"stray-{namespace}",
        "status": "completed",
        "meta": {"tag": [{"system": NAMESPACE_TAG_SYSTEM, "code": namespace}]},
    }
    await client.update(stray)
    report = await verify(client, ledger, namespace=namespace)
    assert report.unknown == [("Communication", stray["id"])]
    assert report.missing == report.changed == 0
    assert not report.agrees

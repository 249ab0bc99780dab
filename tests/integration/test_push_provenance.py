"""The US edition's Provenance of each write, on the real HAPI: a push that writes records one
Provenance in the same transaction (target = exactly what it wrote), a re-push of the unchanged
case writes nothing at all (no Provenance either), and a change writes a new Provenance that
targets only what changed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from adapter.fhir import FHIRClient
from adapter.mappings.bundle import case_to_resources
from adapter.model.validation import parse_case
from adapter.realm import set_realm
from adapter.sync.ledger import Ledger
from adapter.sync.push import state as push_state
from adapter.sync.push.outcomes import CaseStatus
from adapter.sync.push.run import CaseInput, push_cases
from tests.integration.push_support import CountingTransport, fresh_cases

pytestmark = pytest.mark.integration


@pytest.fixture
def us(client: FHIRClient) -> Iterator[None]:
    """The US edition, set after the client (loading its settings sets the realm)."""
    set_realm("us")
    yield
    set_realm(None)


def _input(case: dict[str, Any]) -> list[CaseInput]:
    return [CaseInput(case["id"], case, f"cases/{case['id']}.json")]


def _keys(case: dict[str, Any]) -> set[str]:
    return {f"{r['resourceType']}/{r['id']}" for r in case_to_resources(parse_case(case))}


async def _write_provenances(client: FHIRClient, ledger: Ledger, case_id: str) -> list[Any]:
    """The write Provenances the ledger records for the case, as the server holds them."""
    ids = [
        e.resource_id
        for e in ledger.claimed(client.base.url, [case_id])
        if e.resource_type == "Provenance" and e.resource_id.startswith("cm-write-")
    ]
    return [await client.read("Provenance", i) for i in ids]


@pytest.mark.usefixtures("us")
async def test_a_push_records_its_write_and_a_re_push_writes_nothing(
    client: FHIRClient,
    ledger: Ledger,
    transport: CountingTransport,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    [case] = fresh_cases(1)
    first = await push_cases(_input(case), client=client, ledger=ledger)
    assert first.all_ok
    written = _keys(case)
    assert first.cases[0].written == len(written) + 1  # and its Provenance
    [provenance] = await _write_provenances(client, ledger, case["id"])
    assert {t["reference"] for t in provenance["target"]} == written
    author = provenance["agent"][0]
    assert author["who"]["reference"] in written
    assert author["onBehalfOf"]["reference"] in written  # an Organization written with it

    transport.requests.clear()
    again = await push_cases(_input(case), client=client, ledger=ledger)
    assert again.cases[0].status is CaseStatus.UNCHANGED
    assert transport.case_requests == []
    # Planned resource by resource (a new mapping): still nothing sent, no Provenance.
    monkeypatch.setattr(push_state, "mapping_fingerprint", lambda namespace: "an upgrade")
    planned = await push_cases(_input(case), client=client, ledger=ledger)
    assert planned.cases[0].status is CaseStatus.UNCHANGED
    assert transport.case_requests == []
    assert len(await _write_provenances(client, ledger, case["id"])) == 1

    case["tasks"][0]["description"] = case["tasks"][0]["description"] + " (revised)"
    changed = await push_cases(_input(case), client=client, ledger=ledger)
    assert changed.all_ok
    assert changed.cases[0].written == 2  # the Task and the Provenance of that write
    found = await _write_provenances(client, ledger, case["id"])
    [later] = [p for p in found if p["id"] != provenance["id"]]
    [target] = later["target"]
    assert target["reference"].startswith("Task/")
    assert target["reference"] in _keys(case)

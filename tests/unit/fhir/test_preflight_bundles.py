"""The preflight's transaction probes against what a real HAPI cannot be made to do: a server
that applies part of a failed transaction, and caps stated with or without a number.
(The real answers of both HAPI configurations: tests/integration/test_preflight.py.)"""

from __future__ import annotations

import json

import httpx

from adapter.fhir.preflight_bundles import ProbeSpace, probe_atomic, probe_size
from tests.unit.fhir.scripted import BASE, Script, client_for, fhir_json, outcome

TAGS = [{"system": "https://fhir.cm-adapter.dev/preflight", "code": "probe"}]


def searchset(*ids: str) -> httpx.Response:
    entries = [{"resource": {"resourceType": "Basic", "id": i}} for i in ids]
    return fhir_json({"resourceType": "Bundle", "type": "searchset", "entry": entries})


def deleted(request: httpx.Request) -> httpx.Response:
    assert request.method == "DELETE"
    return httpx.Response(204)


async def test_a_server_that_keeps_part_of_a_failed_transaction_is_not_atomic():
    script = Script(
        outcome(412, "version conflict on entry 2"),  # the transaction fails ...
        searchset("landed-1"),  # ... but its first entry is there
        deleted,
    )
    async with client_for(script) as client:
        space = ProbeSpace(client, TAGS, created=[("Basic", "earlier")])
        atomic, detail = await probe_atomic(space)
        space.created.remove(("Basic", "earlier"))  # the earlier probe is not this test's
        left = await space.clean()
    assert atomic is False
    assert "landed although the transaction failed" in detail
    assert "HTTP 412" in detail
    sent = json.loads(script.requests[0].content)
    assert [e["request"]["method"] for e in sent["entry"]] == ["POST", "PUT"]
    assert sent["entry"][1]["request"]["ifMatch"] == 'W/"999999"'
    assert script.requests[1].url.params["identifier"].endswith(f"{space.run}-atomic")
    assert str(script.requests[2].url) == f"{BASE}/Basic/landed-1"  # cleaned up
    assert left == []


def answer_transaction(request: httpx.Request) -> httpx.Response:
    """Each POST entry created, each DELETE entry done."""
    sent = json.loads(request.content)
    entries = []
    for n, entry in enumerate(sent["entry"]):
        if entry["request"]["method"] == "POST":
            response = {"status": "201 Created", "location": f"Basic/p{n}/_history/1"}
        else:
            response = {"status": "204 No Content"}
        entries.append({"response": response})
    return fhir_json({"resourceType": "Bundle", "type": "transaction-response", "entry": entries})


async def test_a_cap_stated_as_a_number_is_read_from_the_refusal():
    script = Script(
        answer_transaction,
        answer_transaction,  # 10 taken, deleted again
        outcome(400, "HAPI-0045: Bundle has 50 entries; the maximum is 42 per transaction"),
    )
    async with client_for(script) as client:
        found = await probe_size(ProbeSpace(client, TAGS), [10, 50, 100])
    assert (found.cap, found.largest) == (42, 10)
    assert "the maximum is 42" in found.detail
    assert len(script.requests) == 3  # 100 is never tried


async def test_a_cap_without_a_number_is_the_largest_size_taken():
    script = Script(
        answer_transaction,
        answer_transaction,
        outcome(413, "request entity too large"),
    )
    async with client_for(script) as client:
        found = await probe_size(ProbeSpace(client, TAGS), [10, 500])
    assert (found.cap, found.largest) == (10, 10)
    assert found.detail == "500 entries refused: error processing: request entity too large"


async def test_a_server_refusing_even_ten_entries_gets_a_cap_of_one():
    script = Script(outcome(400, "transactions are limited"))
    async with client_for(script) as client:
        found = await probe_size(ProbeSpace(client, TAGS), [10, 50])
    assert (found.cap, found.largest) == (1, 1)  # never 0: a push can still send one at a time

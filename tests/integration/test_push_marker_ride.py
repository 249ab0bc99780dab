"""The server marker carried by the run's transaction (adapter.sync.push.ride), on the real HAPI:
a re-sync where one case changed costs the marker's read and that case's transaction, and the
marker still moves with the run's writes; with more than one transaction it moves after them."""

from __future__ import annotations

import copy
import uuid
from typing import Any
from urllib.parse import urlsplit

import pytest

from adapter.fhir import FHIRClient
from adapter.sync.ledger import Ledger
from adapter.sync.push.marker import MARKER_TYPE, marker_id
from adapter.sync.push.run import CaseInput, PushReport, push_cases
from tests.integration.push_support import CountingTransport, fresh_cases

pytestmark = pytest.mark.integration


async def _push(
    client: FHIRClient, ledger: Ledger, cases: list[dict[str, Any]], namespace: str
) -> PushReport:
    inputs = [CaseInput(case["id"], case, "api") for case in cases]
    return await push_cases(inputs, client=client, ledger=ledger, namespace=namespace)


def _reworded(case: dict[str, Any], text: str) -> dict[str, Any]:
    changed = copy.deepcopy(case)
    changed["plan"]["goals"][0]["description"] = text
    return changed


async def _marker_version(client: FHIRClient, namespace: str) -> str:
    found = await client.read(MARKER_TYPE, marker_id(namespace))
    return str(found["meta"]["versionId"])


def _recorded(ledger: Ledger, client: FHIRClient) -> str | None:
    return ledger.get_setting(f"marker|{client.base.url}")


async def _moved(
    client: FHIRClient, ledger: Ledger, namespace: str, before: str, *, by: int
) -> None:
    after = await _marker_version(client, namespace)
    assert int(after) == int(before) + by
    assert _recorded(ledger, client) == after


async def _pushed(
    client: FHIRClient, ledger: Ledger, transport: CountingTransport, count: int
) -> tuple[str, list[dict[str, Any]], str]:
    """``count`` fresh cases pushed under a namespace of their own; the marker's version after
    that push (the ledger expects it), with the transport's counts cleared."""
    namespace = f"ride-{uuid.uuid4().hex[:8]}"
    cases = fresh_cases(count)
    await _push(client, ledger, cases, namespace)
    before = await _marker_version(client, namespace)
    assert _recorded(ledger, client) == before
    transport.requests.clear()
    transport.written.clear()
    return namespace, cases, before


async def test_one_changed_case_costs_the_marker_read_and_one_transaction(
    client: FHIRClient, ledger: Ledger, transport: CountingTransport
):
    namespace, cases, before = await _pushed(client, ledger, transport, 3)

    report = await _push(client, ledger, [_reworded(cases[0], "Walk daily"), *cases[1:]], namespace)

    base = urlsplit(client.base.url).path
    assert report.server_check == "same"
    assert report.resources_written == 1
    marker = f"{MARKER_TYPE}/{marker_id(namespace)}"
    assert transport.requests == [f"GET {base}/{marker}", f"POST {base}"]
    assert marker in transport.written
    # The marker moved in the same commit as the run's only write, and the ledger expects it.
    await _moved(client, ledger, namespace, before, by=1)


async def test_two_transactions_move_the_marker_after_both(
    client: FHIRClient, ledger: Ledger, transport: CountingTransport
):
    namespace, cases, before = await _pushed(client, ledger, transport, 2)

    changed = [_reworded(case, f"Walk {n} times") for n, case in enumerate(cases)]
    report = await _push(client, ledger, changed, namespace)

    base = urlsplit(client.base.url).path
    assert report.resources_written == 2
    # One transaction carried the marker; the other may have committed after it, so the
    # marker is written again once both are done.
    assert transport.requests[-1] == f"PUT {base}/{MARKER_TYPE}/{marker_id(namespace)}"
    assert transport.requests.count(f"POST {base}") == 2
    await _moved(client, ledger, namespace, before, by=2)


async def test_a_run_after_the_ride_still_notices_a_lost_marker(
    client: FHIRClient, ledger: Ledger, transport: CountingTransport
):
    namespace, cases, _ = await _pushed(client, ledger, transport, 1)
    await _push(client, ledger, [_reworded(cases[0], "Walk daily")], namespace)
    await client.delete(MARKER_TYPE, marker_id(namespace))  # as a reset would

    report = await _push(client, ledger, [_reworded(cases[0], "Walk daily")], namespace)

    assert report.server_check == "lost"

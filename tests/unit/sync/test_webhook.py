"""The change feed's webhook against a real HTTP receiver on 127.0.0.1 (http.server in a
thread): signed, retried by the retry layer, each row delivered once, nothing lost."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from adapter.fhir.retry import RetryPolicy
from adapter.sync.feed import FeedChange, Origin
from adapter.sync.ledger import Ledger
from adapter.sync.webhook import DELIVERY_HEADER, SIGNATURE_HEADER, deliver_changes
from tests.support.ledger import SERVER
from tests.support.receiver import Receiver

SECRET = "webhook-secret-0123456789"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.stop()


def _feed(ledger: Ledger, run_id: int, case_id: str, *paths: str) -> None:
    changes = [
        FeedChange(case_id, p, "in-progress", "completed", Origin.PULL, "Task", "t", "2")
        for p in paths
    ]
    ledger.record_pulled(
        run_id, SERVER, case_id, document={"id": case_id}, results=[], feed=changes
    )


async def _deliver(ledger: Ledger, url: str, attempts: int = 5) -> Any:
    policy = RetryPolicy(max_attempts=attempts, sleep=False)
    async with httpx.AsyncClient(timeout=10) as client:
        return await deliver_changes(
            ledger, url=url, secret=SECRET, policy=policy, client=client, batch=2
        )


async def test_rows_go_signed_in_order_and_once(ledger: Ledger, run_id: int, receiver: Receiver):
    _feed(ledger, run_id, "C-1", "tasks[0].status", "tasks[1].status", "tasks[2].status")
    receiver.fail = 2  # two 503s: the retry layer repeats the POST

    done = await _deliver(ledger, receiver.url)

    assert done.failed is None
    assert (done.rows, done.batches) == (3, 2)
    bodies = receiver.bodies()
    delivered = [c["path"] for b in bodies[2:] for c in b["changes"]]
    assert delivered == ["tasks[0].status", "tasks[1].status", "tasks[2].status"]
    for headers, body in receiver.got:
        expected = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert headers[SIGNATURE_HEADER] == f"sha256={expected}"
    ids = [headers[DELIVERY_HEADER] for headers, _ in receiver.got]
    assert ids[0] == ids[1] == ids[2]  # the retried batch keeps its delivery id
    assert done.cursor == ledger.feed_cursor()

    again = await _deliver(ledger, receiver.url)  # nothing new: nothing sent

    assert (again.rows, len(receiver.got)) == (0, 4)


async def test_a_failed_delivery_loses_nothing_and_sends_nothing_twice(
    ledger: Ledger, run_id: int, receiver: Receiver
):
    _feed(ledger, run_id, "C-1", "status")
    receiver.fail = 10

    failed = await _deliver(ledger, receiver.url, attempts=3)

    assert failed.failed is not None
    assert "503" in failed.failed
    assert (failed.rows, failed.cursor, len(receiver.got)) == (0, 0, 3)
    receiver.fail = 0
    _feed(ledger, run_id, "C-2", "status")

    done = await _deliver(ledger, receiver.url)

    assert done.failed is None
    accepted = receiver.bodies()[3:]
    assert [(c["case_id"], c["path"]) for b in accepted for c in b["changes"]] == [
        ("C-1", "status"), ("C-2", "status"),
    ]  # fmt: skip
    # From where the failed one started: a receiver that did take it knows each row's cursor.
    assert receiver.got[3][0][DELIVERY_HEADER].startswith("0-")
    assert (await _deliver(ledger, receiver.url)).rows == 0


async def test_an_unreachable_receiver_keeps_the_cursor(ledger: Ledger, run_id: int):
    _feed(ledger, run_id, "C-1", "status")
    gone = Receiver()
    url = gone.url
    gone.stop()

    failed = await _deliver(ledger, url, attempts=2)

    assert failed.failed is not None
    assert failed.cursor == 0

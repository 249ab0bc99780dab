"""The service delivers the change feed to ``ADAPTER_CHANGES_WEBHOOK_URL`` while it runs (a real
HTTP receiver on 127.0.0.1), and refuses webhook settings it could not use safely."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from pathlib import Path

import pytest

from adapter.api import create_app
from adapter.errors import ConfigError
from adapter.settings import load_settings
from adapter.sync.feed import FeedChange, Origin
from adapter.sync.ledger import Ledger, RunKind
from adapter.sync.webhook import SIGNATURE_HEADER
from tests.support.api import TOKEN, serve
from tests.support.receiver import Receiver

SECRET = "service-webhook-secret-0123"


async def test_the_service_posts_the_feed_to_the_webhook(tmp_path: Path):
    receiver = Receiver()
    ledger_url = f"sqlite:///{tmp_path / 'ledger.db'}"
    with Ledger.open(ledger_url) as ledger:
        run = ledger.start_run(RunKind.PULL, "http://127.0.0.1:9/fhir")
        change = FeedChange("C-1", "tasks[0].status", "in-progress", "completed", Origin.PULL)
        ledger.record_pulled(
            run.id, "http://127.0.0.1:9/fhir", "C-1", document={"id": "C-1"}, results=[],
            feed=[change],
        )  # fmt: skip
    settings = load_settings(
        fhir_base_url="http://127.0.0.1:9/fhir",
        ledger_url=ledger_url,
        api_token=TOKEN,
        changes_webhook_url=receiver.url,
        changes_webhook_secret=SECRET,
        changes_webhook_interval_seconds=0.05,
    )
    try:
        async for _client in serve(create_app(settings)):
            for _ in range(200):  # the loop's first round runs at start; wait for it
                if receiver.got:
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.3)  # several more rounds: nothing is sent twice
    finally:
        receiver.stop()
    [(headers, body)] = receiver.got  # once, though the loop went on
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers[SIGNATURE_HEADER] == f"sha256={digest}"
    [row] = receiver.bodies()[0]["changes"]
    assert (row["case_id"], row["path"], row["new"]) == ("C-1", "tasks[0].status", "completed")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"changes_webhook_url": "https://cm.example/hook"}, "ADAPTER_CHANGES_WEBHOOK_SECRET"),
        (
            {"changes_webhook_url": "https://cm.example/hook", "changes_webhook_secret": "short"},
            "at least 16",
        ),
        (
            {"changes_webhook_url": "http://cm.example/hook", "changes_webhook_secret": SECRET},
            "plain http",
        ),
    ],
)
def test_webhook_settings_it_cannot_use_safely_are_refused(extra: dict[str, str], message: str):
    with pytest.raises((ConfigError, ValueError), match=message):
        load_settings(fhir_base_url="http://127.0.0.1:9/fhir", **extra)

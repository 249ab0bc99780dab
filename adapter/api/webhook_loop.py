"""The service's change-feed webhook: a background loop delivering the feed
(:mod:`adapter.sync.webhook`) every ``ADAPTER_CHANGES_WEBHOOK_INTERVAL_SECONDS``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import httpx

from adapter.fhir.retry import RetryPolicy
from adapter.settings import Settings
from adapter.sync.ledger import Ledger
from adapter.sync.webhook import deliver_changes

__all__ = ["webhook_deliveries"]

log = logging.getLogger("adapter.api.webhook")


@contextlib.asynccontextmanager
async def webhook_deliveries(settings: Settings, ledger: Ledger) -> AsyncIterator[None]:
    """While the service runs, deliver the change feed when a webhook is configured."""
    url, secret = settings.changes_webhook_url, settings.changes_webhook_secret
    if url is None or secret is None:
        yield
        return
    async with httpx.AsyncClient(timeout=30.0, verify=True) as client:
        task = asyncio.create_task(_loop(settings, ledger, client, url, secret.get_secret_value()))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _loop(
    settings: Settings, ledger: Ledger, client: httpx.AsyncClient, url: str, secret: str
) -> None:
    policy = RetryPolicy.from_settings(settings.fhir_retry)
    while True:
        try:
            await deliver_changes(ledger, url=url, secret=secret, policy=policy, client=client)
        except Exception:  # a ledger hiccup must not end the loop; the next round tries again
            log.exception("change feed delivery round failed")
        await asyncio.sleep(settings.changes_webhook_interval_seconds)

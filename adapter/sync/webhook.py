"""Delivering the change feed to the case-management system's webhook, in order, each row once.

``deliver_changes`` reads the feed after the delivery cursor kept in the ledger (a setting per
webhook URL), POSTs the rows in batches as JSON signed with HMAC-SHA256
(``X-Adapter-Signature: sha256=<hex of the body>``), and moves the delivery cursor only after
the receiver answered 2xx. Each batch carries ``X-Adapter-Delivery: <since>-<last>``, the same
for a batch sent again: a failure (no answer, 5xx, refused) leaves the cursor where it was, so
the next call sends the same batch with the same delivery id and nothing is lost; a batch the
receiver took but whose answer was lost is recognised by that id. Failed sends are repeated by
the one retry layer (:func:`adapter.fhir.retry.call_with_retries`, the POST counted
idempotent for that reason).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from typing import Final

import httpx

from adapter.errors import FHIRError, FHIRStatusError, FHIRTransportError, RateLimited, ServerError
from adapter.fhir.retry import RetryPolicy, call_with_retries
from adapter.sync.ledger import Ledger

__all__ = [
    "DELIVERY_HEADER",
    "SIGNATURE_HEADER",
    "Delivery",
    "deliver_changes",
    "delivery_key",
    "signature",
]

log = logging.getLogger("adapter.sync.webhook")

SIGNATURE_HEADER: Final = "X-Adapter-Signature"
DELIVERY_HEADER: Final = "X-Adapter-Delivery"
BATCH: Final = 100


@dataclass(frozen=True, slots=True)
class Delivery:
    """What one call delivered: rows, batches, the delivery cursor now, and why it stopped
    early (None: everything there was got delivered)."""

    rows: int
    batches: int
    cursor: int
    failed: str | None = None


def signature(secret: str, body: bytes) -> str:
    """The ``X-Adapter-Signature`` value of ``body``: ``sha256=`` and the hex HMAC."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def delivery_key(url: str) -> str:
    """The ledger setting that holds the delivery cursor of ``url`` (hashed: settings keys are
    short, and a URL may be long)."""
    return "changes.webhook." + hashlib.sha256(url.encode()).hexdigest()[:24]


async def deliver_changes(
    ledger: Ledger,
    *,
    url: str,
    secret: str,
    policy: RetryPolicy,
    client: httpx.AsyncClient,
    batch: int = BATCH,
    max_batches: int = 100,
) -> Delivery:
    """POST the undelivered feed rows to ``url`` (see the module docstring)."""
    key = delivery_key(url)
    cursor = int(ledger.get_setting(key) or 0)
    rows_sent = batches = 0
    while batches < max_batches:
        rows = ledger.changes_since(cursor, limit=batch)
        if not rows:
            break
        last = rows[-1].id
        body = json.dumps(
            {"since": cursor, "cursor": last, "changes": [row.to_dict() for row in rows]},
            default=str,
        ).encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature(secret, body),
            DELIVERY_HEADER: f"{cursor}-{last}",
        }
        try:
            await call_with_retries(
                functools.partial(_post, client, url, body, headers),
                policy=policy,
                idempotent=True,
                method="POST",
                resource_type="changes-webhook",
            )
        except FHIRError as exc:
            log.warning(
                "change feed delivery failed; the same rows go again next time",
                extra={"cursor": cursor, "error": type(exc).__name__},
            )
            return Delivery(rows_sent, batches, cursor, failed=str(exc))
        ledger.set_setting(key, str(last))
        cursor, rows_sent, batches = last, rows_sent + len(rows), batches + 1
    return Delivery(rows_sent, batches, cursor)


async def _post(client: httpx.AsyncClient, url: str, body: bytes, headers: dict[str, str]) -> None:
    try:
        answer = await client.post(url, content=body, headers=headers)
    except httpx.ConnectError as exc:
        raise FHIRTransportError(
            f"webhook unreachable: {type(exc).__name__}", method="POST", url=url, request_sent=False
        ) from exc
    except httpx.HTTPError as exc:
        raise FHIRTransportError(
            f"webhook gave no answer: {type(exc).__name__}", method="POST", url=url
        ) from exc
    status = answer.status_code
    if 200 <= status < 300:
        return
    message = f"webhook answered HTTP {status}"
    if status == 429:
        raise RateLimited(message, method="POST", url=url)
    if status >= 500:
        raise ServerError(message, status=status, method="POST", url=url)
    raise FHIRStatusError(message, status=status, method="POST", url=url)

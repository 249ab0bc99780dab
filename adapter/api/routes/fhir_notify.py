"""``/fhir/notify``: the endpoint of a FHIR rest-hook Subscription; each notification starts a pull.

A notification only says that something changed: the pull reads every change since the
watermark, so the payload is not trusted or used beyond telling handshakes and heartbeats
(which need no pull) from real events. The three shapes servers send:

- ``POST /fhir/notify`` with no body (an R4 Subscription without ``channel.payload``), or with
  a Bundle or a resource (R4B/R5 ``subscription-notification`` and the R4 Backport IG);
- ``PUT /fhir/notify/{type}/{id}`` with the resource (HAPI, R4 Subscription with a payload);
- ``DELETE /fhir/notify/{type}/{id}`` (HAPI, a resource was deleted).

Numbered notifications (topic-based subscriptions: ``eventsSinceSubscriptionStart``, the
backport's ``events-since-subscription-start`` and event numbers) are checked for gaps
(:mod:`adapter.api.notify_events`; the last number per subscription is kept in the ledger):
after a gap the pull first polls the referral Tasks (:mod:`adapter.api.referral_poll`), and a
heartbeat that shows one starts that pull too.

Authentication: ``Authorization: Bearer`` with ``ADAPTER_API_TOKEN`` or ``ADAPTER_NOTIFY_TOKEN``
(put it in ``Subscription.channel.header``). The answer comes at once; the pull runs after it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import JSONResponse

from adapter.api.deps import StateDep, require_notify_token
from adapter.api.errors import outcome, outcome_response
from adapter.api.notify_events import Gap, gap_after, notice_of
from adapter.api.runner import start_or_queue_pull

__all__ = ["router"]

router = APIRouter(
    prefix="/fhir/notify", tags=["fhir"], dependencies=[Depends(require_notify_token)]
)

ResourceType = Annotated[str, Path(pattern=r"^[A-Z][A-Za-z]{1,63}$")]
ResourceId = Annotated[str, Path(pattern=r"^[A-Za-z0-9\-.]{1,64}$")]

log = logging.getLogger("adapter.api")
_EVENTS_KEY = "notification-events|"  # + the Subscription's reference: the last event number

# SubscriptionStatus.type (R4B/R5) and the Backport IG's Parameters "type": no data changed.
_NO_CHANGE = frozenset({"handshake", "heartbeat"})


@router.post("", response_model=None)
async def notify(request: Request, state: StateDep) -> JSONResponse:
    """A notification, with or without payload."""
    payload = await _payload(request)
    missed = await _gap(state, payload)
    if missed is None and _no_change(payload):
        return _answer("nothing changed (handshake or heartbeat): no pull")
    return _pull(state, missed)


@router.put("/{resource_type}/{resource_id}", response_model=None)
async def notify_with_resource(
    resource_type: ResourceType, resource_id: ResourceId, request: Request, state: StateDep
) -> JSONResponse:
    """HAPI's delivery of a created or updated resource (the resource itself is not used)."""
    await _payload(request)
    return _pull(state)


@router.delete("/{resource_type}/{resource_id}", response_model=None)
async def notify_deleted(
    resource_type: ResourceType, resource_id: ResourceId, state: StateDep
) -> JSONResponse:
    """HAPI's delivery of a deletion."""
    return _pull(state)


def _pull(state: StateDep, missed: Gap | None = None) -> JSONResponse:
    started = start_or_queue_pull(state, poll_referrals=missed is not None)
    text = "pull started" if started else "pull queued after the current run"
    if missed is not None:
        text += f"; events {missed.text()} never came: the referral Tasks are polled first"
    return _answer(text)


async def _gap(state: StateDep, payload: dict[str, Any] | None) -> Gap | None:
    """The events a numbered notification shows missing since the last one of its
    subscription (the last number is kept in the ledger, so a restart forgets nothing)."""
    notice = notice_of(payload)
    if notice is None:
        return None
    key = f"{_EVENTS_KEY}{notice.subscription}"
    stored = await asyncio.to_thread(state.ledger.get_setting, key)
    last = int(stored) if stored is not None and stored.isdigit() else None
    missed, remember = gap_after(notice, last)
    if remember is not None and remember != last:
        await asyncio.to_thread(state.ledger.set_setting, key, str(remember))
    if missed is not None:
        log.warning(
            "notification gap on %s: events %s never came", notice.subscription or "a subscription",
            missed.text(),
        )  # fmt: skip
    return missed


def _answer(text: str) -> JSONResponse:
    return outcome_response(200, outcome("informational", text, severity="information"))


async def _payload(request: Request) -> dict[str, Any] | None:
    """The JSON object sent, None for no body; 400 for a body that is not a FHIR resource."""
    body = await request.body()
    if not body.strip():
        return None
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise HTTPException(status_code=400, detail="the body is not JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("resourceType"), str):
        raise HTTPException(status_code=400, detail="the body is not a FHIR resource") from None
    return data


def _no_change(payload: dict[str, Any] | None) -> bool:
    notice = notice_of(payload)
    return notice is not None and notice.kind in _NO_CHANGE

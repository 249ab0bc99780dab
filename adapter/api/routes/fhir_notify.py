"""``/fhir/notify``: the endpoint of a FHIR rest-hook Subscription; each notification starts a pull.

A notification only says that something changed: the pull reads every change since the
watermark, so the payload is not trusted or used beyond telling handshakes and heartbeats
(which need no pull) from real events. The three shapes servers send:

- ``POST /fhir/notify`` with no body (an R4 Subscription without ``channel.payload``), or with
  a Bundle or a resource (R4B/R5 ``subscription-notification`` and the R4 Backport IG);
- ``PUT /fhir/notify/{type}/{id}`` with the resource (HAPI, R4 Subscription with a payload);
- ``DELETE /fhir/notify/{type}/{id}`` (HAPI, a resource was deleted).

Authentication: ``Authorization: Bearer`` with ``ADAPTER_API_TOKEN`` or ``ADAPTER_NOTIFY_TOKEN``
(put it in ``Subscription.channel.header``). The answer comes at once; the pull runs after it.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import JSONResponse

from adapter.api.deps import StateDep, require_notify_token
from adapter.api.errors import outcome, outcome_response
from adapter.api.runner import start_or_queue_pull

__all__ = ["router"]

router = APIRouter(
    prefix="/fhir/notify", tags=["fhir"], dependencies=[Depends(require_notify_token)]
)

ResourceType = Annotated[str, Path(pattern=r"^[A-Z][A-Za-z]{1,63}$")]
ResourceId = Annotated[str, Path(pattern=r"^[A-Za-z0-9\-.]{1,64}$")]

# SubscriptionStatus.type (R4B/R5) and the Backport IG's Parameters "type": no data changed.
_NO_CHANGE = frozenset({"handshake", "heartbeat"})


@router.post("", response_model=None)
async def notify(request: Request, state: StateDep) -> JSONResponse:
    """A notification, with or without payload."""
    if _no_change(await _payload(request)):
        return _answer("nothing changed (handshake or heartbeat): no pull")
    return _pull(state)


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


def _pull(state: StateDep) -> JSONResponse:
    started = start_or_queue_pull(state)
    return _answer("pull started" if started else "pull queued after the current run")


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
    if payload is None or payload.get("resourceType") != "Bundle":
        return False
    entries = payload.get("entry")
    first = entries[0].get("resource") if isinstance(entries, list) and entries else None
    if not isinstance(first, dict):
        return False
    if first.get("resourceType") == "SubscriptionStatus":
        return first.get("type") in _NO_CHANGE
    if first.get("resourceType") == "Parameters":
        parameters = first.get("parameter")
        return any(
            isinstance(p, dict) and p.get("name") == "type" and p.get("valueCode") in _NO_CHANGE
            for p in (parameters if isinstance(parameters, list) else [])
        )
    return False

"""Event numbers in subscription notifications, and the gaps they show. Pure: no I/O.

Topic-based subscriptions number their events: R4B/R5 ``SubscriptionStatus`` and the R4
Subscriptions Backport IG's ``Parameters`` (the first entry of a ``subscription-notification``
or ``history`` Bundle) carry ``eventsSinceSubscriptionStart`` (backport:
``events-since-subscription-start``) and, per event, ``notificationEvent.eventNumber``
(backport: ``notification-event`` / ``event-number``). A number that skips means notifications
were lost: what they announced must be read by polling rather than trusted to have arrived.

- an event notification whose first event is past the last number seen + 1: events missed;
- a heartbeat (or query status) counting more events than were seen: events missed;
- a handshake, or a count lower than the last seen (the subscription started again): the count
  is taken as the new start, no gap can be told.

No number seen before counts as 0: the first notification a ledger sees, numbered 5, says
events 1-4 went elsewhere, so the service polls once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Gap", "Notice", "gap_after", "notice_of"]

_BACKPORT_COUNT = "events-since-subscription-start"


@dataclass(frozen=True, slots=True)
class Notice:
    """What a notification says of its numbering."""

    subscription: str  # the Subscription's reference, "" when not named
    kind: str  # handshake | heartbeat | event-notification | query-status | query-event
    since_start: int | None  # events since the subscription started, this one included
    first_event: int | None  # the number of the first event it carries


@dataclass(frozen=True, slots=True)
class Gap:
    first: int
    last: int

    def text(self) -> str:
        return str(self.first) if self.first == self.last else f"{self.first}-{self.last}"


def notice_of(payload: Mapping[str, Any] | None) -> Notice | None:
    """The numbering of a notification Bundle; None when it carries no status resource."""
    if payload is None or payload.get("resourceType") != "Bundle":
        return None
    entries = payload.get("entry")
    first = entries[0].get("resource") if isinstance(entries, list) and entries else None
    if not isinstance(first, Mapping):
        return None
    if first.get("resourceType") == "SubscriptionStatus":
        events = first.get("notificationEvent")
        number = events[0].get("eventNumber") if isinstance(events, list) and events else None
        return Notice(
            _reference(first.get("subscription")),
            str(first.get("type") or ""),
            _number(first.get("eventsSinceSubscriptionStart")),
            _number(number),
        )
    if first.get("resourceType") == "Parameters":
        return _backport(first.get("parameter"))
    return None


def gap_after(notice: Notice, last: int | None) -> tuple[Gap | None, int | None]:
    """The events missed before ``notice`` given the ``last`` number seen (None: none seen),
    and the last number to remember (None: keep nothing)."""
    count = notice.since_start
    if count is None and notice.first_event is None:
        return None, last
    seen = last or 0
    if notice.kind == "handshake" or (count is not None and count < seen):
        return None, count
    if notice.kind == "event-notification":
        first = notice.first_event if notice.first_event is not None else count
        assert first is not None
        missed = Gap(seen + 1, first - 1) if first > seen + 1 else None
        return missed, max(seen, count if count is not None else first)
    if count is not None and count > seen:  # heartbeat / query-status: counted, never seen
        return Gap(seen + 1, count), count
    return None, seen if count is None else count


def _backport(parameters: Any) -> Notice | None:
    if not isinstance(parameters, list):
        return None
    found: dict[str, Any] = {}
    first_event = None
    for parameter in parameters:
        if not isinstance(parameter, Mapping):
            continue
        name = parameter.get("name")
        if name == "notification-event" and first_event is None:
            parts = parameter.get("part")
            numbers = [
                _value(p)
                for p in (parts if isinstance(parts, list) else [])
                if isinstance(p, Mapping) and p.get("name") == "event-number"
            ]
            first_event = _number(numbers[0]) if numbers else None
        elif isinstance(name, str) and name not in found:
            found[name] = _value(parameter)
    return Notice(
        _reference(found.get("subscription")),
        str(found.get("type") or ""),
        _number(found.get(_BACKPORT_COUNT)),
        first_event,
    )


def _value(parameter: Mapping[str, Any]) -> Any:
    """The ``value[x]`` of a Parameters parameter, whatever its type."""
    return next((v for k, v in parameter.items() if k.startswith("value")), None)


def _reference(value: Any) -> str:
    if isinstance(value, Mapping):
        return str(value.get("reference") or "")
    return str(value or "")


def _number(value: Any) -> int | None:
    """An integer64 is a string in FHIR JSON; anything else that is not a count is None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None

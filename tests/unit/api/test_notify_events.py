"""Event numbers in notifications: R4B/R5 SubscriptionStatus and the R4 backport's Parameters,
and the gaps they show."""

from __future__ import annotations

from typing import Any

import pytest

from adapter.api.notify_events import Gap, Notice, gap_after, notice_of


def status_bundle(kind: str, count: int, *, first: int | None = None) -> dict[str, Any]:
    status: dict[str, Any] = {
        "resourceType": "SubscriptionStatus",
        "status": "active",
        "type": kind,
        "eventsSinceSubscriptionStart": str(count),  # integer64: a string in JSON
        "subscription": {"reference": "Subscription/referrals"},
    }
    if first is not None:
        status["notificationEvent"] = [{"eventNumber": str(first)}]
    return {
        "resourceType": "Bundle",
        "type": "subscription-notification",
        "entry": [{"resource": status}],
    }


def backport_bundle(kind: str, count: int, *, first: int | None = None) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {"name": "subscription", "valueReference": {"reference": "Subscription/s-1"}},
        {"name": "type", "valueCode": kind},
        {"name": "events-since-subscription-start", "valueString": str(count)},
    ]
    if first is not None:
        event = [{"name": "event-number", "valueString": str(first)}]
        parameters.append({"name": "notification-event", "part": event})
    resource = {"resourceType": "Parameters", "parameter": parameters}
    return {"resourceType": "Bundle", "type": "history", "entry": [{"resource": resource}]}


def test_both_shapes_are_read():
    assert notice_of(status_bundle("event-notification", 7, first=7)) == Notice(
        "Subscription/referrals", "event-notification", 7, 7
    )
    assert notice_of(backport_bundle("heartbeat", 3)) == Notice(
        "Subscription/s-1", "heartbeat", 3, None
    )
    assert notice_of(backport_bundle("event-notification", 9, first=9)).first_event == 9  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "payload",
    [None, {"resourceType": "Task"}, {"resourceType": "Bundle", "entry": []},
     {"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Task"}}]}],
)  # fmt: skip
def test_notifications_without_numbers_say_nothing(payload):
    assert notice_of(payload) is None


def event(count: int, first: int | None = None) -> Notice:
    return Notice("Subscription/s", "event-notification", count, first)


def test_consecutive_events_show_no_gap():
    assert gap_after(event(1, 1), None) == (None, 1)
    assert gap_after(event(2, 2), 1) == (None, 2)
    assert gap_after(event(2), 1) == (None, 2)  # no event number: the count is the event's


def test_a_skipped_number_is_a_gap():
    assert gap_after(event(5, 5), 2) == (Gap(3, 4), 5)
    assert gap_after(event(4), 2) == (Gap(3, 3), 4)
    assert Gap(3, 4).text() == "3-4"
    assert Gap(3, 3).text() == "3"


def test_the_first_notification_a_ledger_sees_counts_from_zero():
    assert gap_after(event(3, 3), None) == (Gap(1, 2), 3)


def test_a_heartbeat_counting_more_than_was_seen_is_a_gap():
    beat = Notice("Subscription/s", "heartbeat", 6, None)
    assert gap_after(beat, 4) == (Gap(5, 6), 6)
    assert gap_after(beat, 6) == (None, 6)


def test_a_handshake_or_a_restarted_count_starts_again_without_a_gap():
    assert gap_after(Notice("Subscription/s", "handshake", 0, None), 12) == (None, 0)
    assert gap_after(event(1, 1), 12) == (None, 1)


def test_a_repeated_delivery_is_no_gap_and_does_not_go_back():
    assert gap_after(event(5, 5), 5) == (None, 5)

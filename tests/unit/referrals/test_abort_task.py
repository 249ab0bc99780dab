"""The cancellation Task the adapter sends for a referral its performer has started (Gravity:
code abort, focus the referral, owner the performer, requester the case manager)."""

from __future__ import annotations

from typing import Any, cast

import pytest

from adapter.mappings.resources.gravity import ABORT_IDENTIFIER, TASK_CODE, abort_task, is_abort
from adapter.sync.referrals.outbound import AbortAnswer, hold_started_cancels

REFERRAL = {
    "resourceType": "Task",
    "id": "cm-task-1",
    "status": "in-progress",
    "for": {"reference": "Patient/p-1"},
    "owner": {"reference": "Organization/cbo"},
    "requester": {"reference": "Practitioner/cm"},
    "code": {"coding": [{"system": TASK_CODE, "code": "fulfill"}]},
}


def test_the_abort_task_asks_the_performer_to_cancel_the_referral():
    abort = abort_task(REFERRAL, attempt=2, authored="2026-12-06T03:00:00+00:00", reason="Moved")

    assert is_abort(abort)
    assert not is_abort(REFERRAL)
    assert (abort["status"], abort["intent"]) == ("requested", "order")
    assert abort["focus"] == {"reference": "Task/cm-task-1"}
    assert abort["owner"] == REFERRAL["owner"]
    assert abort["requester"] == REFERRAL["requester"]
    assert abort["for"] == REFERRAL["for"]
    assert abort["identifier"] == [{"system": ABORT_IDENTIFIER, "value": "cm-task-1/2"}]
    assert abort["reasonCode"] == {"text": "Moved"}
    assert "reasonCode" not in abort_task(REFERRAL, attempt=1, authored="x", reason=None)


def test_the_answer_says_whether_the_referral_is_cancelled_or_goes_on():
    agreed = AbortAnswer("CM-1", "T-1", "a-1", "completed").line()
    refused = AbortAnswer("CM-1", "T-1", "a-1", "rejected").line()
    assert agreed.endswith("completed; the referral cancelled")
    assert refused.endswith("rejected; the referral goes on")


@pytest.mark.parametrize("status", ["closed", "cancelled"])
async def test_closing_the_case_cancels_its_referrals_outright(status: str):
    """A closed case holds no open task: its started referrals are not held behind an abort
    Task (no ledger read, no request: neither is given here)."""
    document = {
        "id": "CM-1",
        "status": status,
        "tasks": [{"id": "T-1", "service": "meals", "status": "cancelled"}],
    }
    held, kept = await hold_started_cancels(
        cast(Any, None), cast(Any, None), server="s", namespace=None, document=document
    )
    assert (held, kept) == (document, [])

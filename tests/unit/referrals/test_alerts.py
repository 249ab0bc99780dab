"""The no-answer alert: outbound referrals still requested after N business days, on a clock
the test sets."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adapter.cli import app
from adapter.model.validation import parse_case
from adapter.sync.ledger import Ledger
from adapter.sync.referrals.alerts import business_days_between, unanswered, unanswered_in_store
from tests.support.casefiles import example_data

SENT = "2026-11-27T16:00:00+00:00"  # a Friday afternoon


def referral_case(status: str = "requested", created: str = SENT) -> dict[str, object]:
    data = example_data("CM-2001")  # T-1 refers to home-delivered meals; T-3 names no service
    data["tasks"][0]["status"] = status
    data["tasks"][0]["created_at"] = created
    data["tasks"][2]["created_at"] = created  # requested, but no referral: never listed
    return data


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (date(2026, 11, 27), date(2026, 11, 28), 0),  # Friday -> Saturday
        (date(2026, 11, 27), date(2026, 11, 30), 1),  # Friday -> Monday
        (date(2026, 11, 27), date(2026, 12, 2), 3),
        (date(2026, 12, 1), date(2026, 12, 15), 10),
        (date(2026, 12, 2), date(2026, 12, 2), 0),
        (date(2026, 12, 2), date(2026, 11, 2), 0),
    ],
)
def test_business_days_count_weekdays_only(start: date, end: date, days: int):
    assert business_days_between(start, end) == days


def test_a_referral_is_listed_once_n_business_days_have_passed():
    case = parse_case(referral_case())
    tuesday = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # Mon + Tue: 2 business days
    wednesday = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    assert unanswered([case], now=tuesday, days=3) == []
    [late] = unanswered([case], now=wednesday, days=3)
    assert (late.case_id, late.task_id, late.owner_id) == (case.id, "T-1", "CT-3")
    assert late.sent_on == date(2026, 11, 27)
    assert late.business_days == 3
    assert unanswered([case], now=wednesday, days=4) == []


@pytest.mark.parametrize("status", ["accepted", "rejected", "cancelled", "in-progress"])
def test_an_answered_or_withdrawn_referral_is_not_listed(status: str):
    case = parse_case(referral_case(status))
    assert unanswered([case], now=datetime(2027, 1, 4, tzinfo=UTC), days=3) == []


def test_status_lists_the_stored_referrals_without_an_answer(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    old, new = referral_case(), referral_case(created=datetime.now(UTC).isoformat())
    new["id"] = "CM-2001-new"
    with Ledger.open(url) as ledger:
        for data in (old, new):
            ledger.put_case(str(data["id"]), data, source="test")
        listed = unanswered_in_store(ledger, now=datetime(2026, 12, 2, tzinfo=UTC), days=3)
    assert [u.case_id for u in listed] == [old["id"]]

    shown = CliRunner().invoke(app, ["status", "--ledger", url, "--json"])
    assert shown.exit_code == 0, shown.output
    [late] = json.loads(shown.stdout)["unanswered_referrals"]  # the real clock: later still
    assert (late["case_id"], late["task_id"], late["sent_on"]) == (old["id"], "T-1", "2026-11-27")
    text = CliRunner().invoke(app, ["status", "--ledger", url])
    assert "referrals without an answer after 3 business days: 1" in text.stdout
    assert f"case {old['id']} task T-1: requested since 2026-11-27" in text.stdout

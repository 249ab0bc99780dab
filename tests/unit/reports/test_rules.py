"""Each rule of the report on a case changed just enough to exercise it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from adapter.model import Case, Goal
from adapter.model.codes import OutcomeDomain
from adapter.model.validation import parse_case
from adapter.reports.domains import domain_counts
from adapter.reports.facts import Usage, first_contact_on, goal_timing, usage_record
from adapter.reports.period import ReportPeriod, parse_period
from tests.support.casefiles import example_data


def test_period_parses_both_ends_one_end_or_none():
    assert parse_period("2024-01-01..2024-06-30") == ReportPeriod(
        date(2024, 1, 1), date(2024, 6, 30)
    )
    assert parse_period("2024-01-01..") == ReportPeriod(date(2024, 1, 1), None)
    assert parse_period("..2024-06-30").text() == "..2024-06-30"
    assert parse_period("..") == ReportPeriod()


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("2024-01-01", "FROM..TO"),
        ("2024-01-01-2024-02-01", "FROM..TO"),
        ("2024-1-1..2024-2-1", "FROM..TO"),
        ("2024-02-30..2024-03-01", "FROM is not a calendar date"),
        ("2024-01-01..2024-13-01", "TO is not a calendar date"),
        ("2024-03-01..2024-02-01", "starts after it ends"),
    ],
)
def test_bad_period_says_what_is_wrong(text, says):
    with pytest.raises(ValueError, match=says):
        parse_period(text)


def test_period_overlap_is_inclusive_at_both_ends():
    q1 = ReportPeriod(date(2024, 1, 1), date(2024, 3, 31))
    assert q1.overlaps(date(2023, 5, 1), date(2024, 1, 1))
    assert q1.overlaps(date(2024, 3, 31), None)
    assert not q1.overlaps(date(2023, 5, 1), date(2023, 12, 31))
    assert not q1.overlaps(date(2024, 4, 1), None)


def test_first_contact_is_the_earliest_sign_the_client_was_reached():
    data = example_data("CM-2001")  # ref 02-26, consent 03-01, plan 03-06, reached 03-08
    assert first_contact_on(parse_case(data)) == date(2024, 3, 1)
    data["consents"][0]["recorded_on"] = "2024-03-10"
    assert first_contact_on(parse_case(data)) == date(2024, 3, 6)  # the agreed plan
    for goal in data["plan"]["goals"]:
        goal["agreed_with_client"] = False
    assert first_contact_on(parse_case(data)) == date(2024, 3, 8)  # the reached note
    data["notes"][0]["reached"] = False
    assert first_contact_on(parse_case(data)) == date(2024, 3, 10)


def test_pending_consent_and_unreached_outreach_are_no_contact():
    assert first_contact_on(parse_case(example_data("CM-2015"))) is None


def goals(case: Case) -> tuple[Goal, ...]:
    assert case.plan is not None
    return case.plan.goals


def test_goal_timing_exact_date_bound_and_unknown():
    data = example_data("CM-2009")  # closed 2024-03-15; goals due 2024-03-05
    case = parse_case(data)
    exact = goal_timing(goals(case)[0], case)  # status_date 2024-03-01
    assert (exact.achieved_on, exact.exact, exact.on_time) == (date(2024, 3, 1), True, True)
    bound = goal_timing(goals(case)[1], case)  # no date: the close date bounds it
    assert (bound.achieved_on, bound.exact, bound.on_time) == (date(2024, 3, 15), False, None)
    data["plan"]["goals"][1]["target"]["due_date"] = "2024-03-20"
    case = parse_case(data)
    assert goal_timing(goals(case)[1], case).on_time is True  # reached by 03-15 at latest
    data["plan"]["goals"][0]["status_date"] = "2024-03-10"
    data["plan"]["goals"][0]["progress"][1]["recorded_on"] = "2024-03-10"
    case = parse_case(data)
    assert goal_timing(goals(case)[0], case).on_time is False  # exactly 03-10 > 03-05


def test_usage_baseline_prefers_an_outcome_to_the_screening_count():
    data = example_data("CM-2001")  # screening 3 ED visits; outcome 3 on the opening day
    data["outcomes"][0]["value"] = "5"
    record = usage_record(parse_case(data), Usage.ED_VISITS)
    assert (record.baseline, record.follow_up) == (Decimal(5), Decimal(1))
    del data["outcomes"][0]
    assert usage_record(parse_case(data), Usage.ED_VISITS).baseline == Decimal(3)


def test_usage_measures_are_found_by_their_words():
    data = example_data("CM-2009")
    data["outcomes"][0]["measure"] = "Missed doses reported"  # no word for ED visits
    assert usage_record(parse_case(data), Usage.ED_VISITS).follow_up is None
    data["outcomes"][0]["measure"] = "Emergency department visits, 90 days"
    assert usage_record(parse_case(data), Usage.ED_VISITS).follow_up == Decimal("7.6")


def test_repeated_measure_direction_follows_the_linked_goal():
    data = example_data("CM-2005")  # PHQ-9 17 -> 9, goal G-1 "lt 10"
    assert domain_counts([parse_case(data)])[OutcomeDomain.PSYCHOSOCIAL].improved == 1
    data["outcomes"][1]["value"] = "19"
    counts = domain_counts([parse_case(data)])[OutcomeDomain.PSYCHOSOCIAL]
    assert (counts.improved, counts.worsened) == (0, 1)
    data["plan"]["goals"][0]["target"]["comparator"] = "eq"  # eq 10: 17 -> 19 is further away
    assert domain_counts([parse_case(data)])[OutcomeDomain.PSYCHOSOCIAL].worsened == 1
    data["outcomes"][1]["value"] = "11"  # closer to 10
    assert domain_counts([parse_case(data)])[OutcomeDomain.PSYCHOSOCIAL].improved == 1

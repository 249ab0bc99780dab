"""The report of examples/cases/ against numbers counted by hand from the 21 example files
CM-2001 ... CM-2021 (examples added later are not read here).

How each number was counted is written beside it. "ref" is referral.received_on; day counts
cross February 2024, which has 29 days. If one of these example cases changes, recount.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from adapter.reports.period import ReportPeriod
from adapter.reports.report import build_report
from adapter.reports.sources import cases_from_files
from tests.support.casefiles import hand_counted_files

MADE = datetime(2024, 7, 15, 12, 0, tzinfo=UTC)
# Programs none of the 21 hand-counted files is in: reported with nothing counted.
NEW_PROGRAMS = ("workers-compensation", "disability", "occupational-health")
NO_DAYS = {"cases": 0, "median": None, "mean": None, "min": None, "max": None}


def report_json(period: ReportPeriod | None = None) -> dict[str, Any]:
    found = cases_from_files(hand_counted_files())
    assert found.skipped == []
    assert len(found.cases) == 21
    span = period or ReportPeriod()
    report = build_report(found.cases, period=span, program=None, generated_at=MADE)
    return report.as_json()


@pytest.fixture(scope="module")
def everything() -> dict[str, Any]:
    return report_json()


def by_program(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["program"]: entry for entry in report["programs"]}


def test_cases_opened_closed_by_reason_and_open(everything):
    total = everything["total"]["cases"]
    # 21 files, no period: every case is in the cohort and was opened.
    assert (total["cohort"], total["opened"]) == (21, 21)
    # CM-2009..CM-2016 are closed, one per closure reason (file names say which).
    assert total["closed"] == 8
    assert set(total["closed_by_reason"].values()) == {1}
    # CM-2017 is cancelled; 21 - 8 - 1 = 12 still open.
    assert (total["cancelled"], total["open_at_end"]) == (1, 12)
    cases = {
        p: (e["cases"]["cohort"], e["cases"]["closed"], e["cases"]["cancelled"])
        for p, e in by_program(everything).items()
    }
    assert cases == {
        # 2001 2007 2009 2012 2013 2018 2021; closed 2009 2012 2013
        "complex-care": (7, 3, 0),
        # 2002 2008 2015 2016; closed 2015 (unable to engage) 2016 (transferred)
        "transitional-care": (4, 2, 0),
        # 2003 2011 2019; closed 2011 (conflict of interest)
        "catastrophic-claim": (3, 1, 0),
        # 2004 2010 2017 2020; closed 2010 (self-managing), cancelled 2017
        "maternity": (4, 1, 1),
        # 2005 2006 2014; closed 2014 (client declined)
        "behavioral-health": (3, 1, 0),
        **dict.fromkeys(NEW_PROGRAMS, (0, 0, 0)),
    }


def test_goals_achieved_and_on_time(everything):
    goals = everything["total"]["goals"]
    # Goals per plan: 2001:3 2002:2 2003:2 2004:2 2005:2 2006:1 2009:2 2010:2 2011:1 2012:1
    # 2013:2 2014:1 2016:2 2018:1 2019:2 2020:1 2021:2 = 29 (2007, 2008, 2015, 2017: no plan).
    assert goals["goals"] == 29
    # achieved/sustaining: 2009 G-1 G-2, 2010 G-1 G-2, 2013 G-2, 2016 G-1 = 6.
    assert goals["achieved"] == 6
    # Only 2009 G-1 has a date (status_date 2024-03-01 <= due 2024-03-05): on time. The other
    # five have no date and their case closed after the due date, so their timing is unknown.
    assert (goals["achieved_on_time"], goals["achieved_late"]) == (1, 0)
    assert goals["achieved_timing_unknown"] == 5
    # not-achieved / no-progress / not-attainable: 2011 G-1, 2012 G-1, 2013 G-1, 2014 G-1.
    assert goals["not_achieved"] == 4
    # 2016 G-2: cancelled while in-progress. The other 29 - 6 - 4 - 1 = 18 are open.
    assert (goals["cancelled"], goals["open"]) == (1, 18)
    achieved = {p: e["goals"]["achieved"] for p, e in by_program(everything).items()}
    assert achieved == {
        "complex-care": 3,  # 2009 G-1 G-2, 2013 G-2
        "transitional-care": 1,  # 2016 G-1
        "catastrophic-claim": 0,
        "maternity": 2,  # 2010 G-1 G-2
        "behavioral-health": 0,
        **dict.fromkeys(NEW_PROGRAMS, 0),
    }


def test_days_from_referral_to_first_contact(everything):
    # First contact = earliest of a reached note, the answered participation consent, the plan
    # date when a goal was agreed with the client. Days after ref:
    # complex-care 2001 4 (consent 03-01), 2009 4, 2012 5, 2013 4, 2018 7, 2021 6
    #   -> 6 cases, sorted 4 4 4 5 6 7: median 4.5, mean 30/6 = 5.0
    # transitional-care 2002 1 (consent 05-09), 2016 2 -> median 1.5, mean 1.5
    # catastrophic-claim 2003 7, 2011 4 (02-29 -> 03-04), 2019 5 -> median 5, mean 16/3
    # maternity 2004 5, 2010 3, 2017 6 (declined 05-06), 2020 3 -> median 4, mean 17/4 = 4.25
    # behavioral-health 2005 7, 2006 7, 2014 5 (plan 02-05, agreed) -> median 7, mean 19/3
    # none for 2007 and 2015 (pending consent, outreach not reached) and 2008 (just referred).
    expected = {
        "complex-care": {"cases": 6, "median": 4.5, "mean": 5.0, "min": 4, "max": 7},
        "transitional-care": {"cases": 2, "median": 1.5, "mean": 1.5, "min": 1, "max": 2},
        "catastrophic-claim": {"cases": 3, "median": 5.0, "mean": 5.3, "min": 4, "max": 7},
        "maternity": {"cases": 4, "median": 4.0, "mean": 4.3, "min": 3, "max": 6},
        "behavioral-health": {"cases": 3, "median": 7.0, "mean": 6.3, "min": 5, "max": 7},
        **dict.fromkeys(NEW_PROGRAMS, NO_DAYS),
    }
    got = {p: e["days_referral_to_first_contact"] for p, e in by_program(everything).items()}
    assert got == expected
    # All 18: sum 30 + 3 + 16 + 17 + 19 = 85, mean 4.72; sorted the 9th and 10th are 5 and 5.
    total = everything["total"]["days_referral_to_first_contact"]
    assert total == {"cases": 18, "median": 5.0, "mean": 4.7, "min": 1, "max": 7}


def test_days_from_referral_to_plan(everything):
    # plan.created_on - ref: complex-care 2001 9, 2009 4, 2012 5, 2013 4, 2018 9, 2021 8;
    # transitional-care 2002 2, 2016 2; catastrophic-claim 2003 11, 2011 4, 2019 7;
    # maternity 2004 7, 2010 3, 2020 5; behavioral-health 2005 11, 2006 9, 2014 5.
    got = {p: e["days_referral_to_plan"] for p, e in by_program(everything).items()}
    assert got == {
        "complex-care": {"cases": 6, "median": 6.5, "mean": 6.5, "min": 4, "max": 9},
        "transitional-care": {"cases": 2, "median": 2.0, "mean": 2.0, "min": 2, "max": 2},
        "catastrophic-claim": {"cases": 3, "median": 7.0, "mean": 7.3, "min": 4, "max": 11},
        "maternity": {"cases": 3, "median": 5.0, "mean": 5.0, "min": 3, "max": 7},
        "behavioral-health": {"cases": 3, "median": 9.0, "mean": 8.3, "min": 5, "max": 11},
        **dict.fromkeys(NEW_PROGRAMS, NO_DAYS),
    }
    # 17 plans, sum 105, mean 6.18; sorted 2 2 3 4 4 4 5 5 [5] 7 7 8 9 9 9 11 11.
    total = everything["total"]["days_referral_to_plan"]
    assert total == {"cases": 17, "median": 5.0, "mean": 6.2, "min": 2, "max": 11}


def test_tasks_completed_and_failed(everything):
    tasks = everything["total"]["tasks"]
    # 36 tasks over the 21 files; failed: 2015 T-1, 2020 T-1.
    assert tasks["tasks"] == 36
    assert tasks["by_status"] == {
        "draft": 3,  # 2004 T-2, 2018 T-1 T-2
        "requested": 3,  # 2001 T-3, 2006 T-2, 2019 T-3
        "accepted": 3,  # 2001 T-1, 2005 T-2, 2021 T-1
        "rejected": 1,  # 2019 T-1
        "in-progress": 7,  # 2001 2002 2003 2005 2007 2019 2020
        "on-hold": 2,  # 2003 T-2, 2006 T-1
        "completed": 11,  # 2002 x2, 2003, 2004, 2009 x2, 2010, 2012 x2, 2013, 2016
        "cancelled": 4,  # 2011, 2013 T-2, 2014, 2021 T-2
        "failed": 2,
    }
    per = {
        p: (
            e["tasks"]["tasks"],
            e["tasks"]["by_status"]["completed"],
            e["tasks"]["by_status"]["failed"],
        )
        for p, e in by_program(everything).items()
    }
    assert per == {
        "complex-care": (14, 5, 0),
        "transitional-care": (5, 3, 1),
        "catastrophic-claim": (7, 1, 0),
        "maternity": (5, 2, 1),
        "behavioral-health": (5, 0, 0),
        **dict.fromkeys(NEW_PROGRAMS, (0, 0, 0)),
    }


def test_ed_visits_and_admissions_where_recorded(everything):
    usage = everything["total"]["utilization"]
    # ED baseline: 2001 outcome "ED visits in the 90 days before enrolment" = 3 (measured on
    # the opening day); screening high-ed-utilization counts 2006 4, 2016 2, 2020 3 -> 4 cases, 12.
    # ED follow-up: 2001 G-1 ("ED visits in the last 90 days") progress 2024-04-05 = 1.
    assert usage["ed-visits"] == {
        "baseline": {"cases": 4, "total": 12},
        "follow_up": {"cases": 1, "total": 1},
        "paired": {"cases": 1, "baseline": 3, "follow_up": 1},
    }
    # Admissions baseline: screening avoidable-admissions 2001 2, 2002 1, 2009 1, 2015 2.
    # 2002 G-1 targets "Readmissions within 30 days" but has no progress value yet.
    assert usage["admissions"] == {
        "baseline": {"cases": 4, "total": 6},
        "follow_up": {"cases": 0, "total": 0},
        "paired": {"cases": 0, "baseline": 0, "follow_up": 0},
    }


def test_standard_o_domains(everything):
    domains = everything["total"]["outcome_domains"]
    one = {"measurements": 1, "cases": 1, "repeated": 0, "improved": 0, "worsened": 0}
    assert domains["clinical"] == one  # 2009 HbA1c
    assert domains["financial"] == one  # 2001 ED visits before enrolment
    assert domains["quality-of-life"] == one  # 2010 self-rated wellbeing
    assert domains["satisfaction"] == one  # 2009 survey
    assert domains["engagement"] == one  # 2009 activation level (text)
    # 2002 Barthel 65 -> 80 (linked goal G-2 has a text target: no direction), 2019 grip.
    assert domains["physical-function"] == {
        "measurements": 3, "cases": 2, "repeated": 1, "improved": 0, "worsened": 0
    }  # fmt: skip
    # 2005 PHQ-9 17 -> 9, linked G-1 "lt 10": improved; 2010 GAD-7 once.
    assert domains["psychosocial"] == {
        "measurements": 3, "cases": 2, "repeated": 1, "improved": 1, "worsened": 0
    }  # fmt: skip


def test_first_quarter_2024():
    report = report_json(ReportPeriod(date(2024, 1, 1), date(2024, 3, 31)))
    cases = report["total"]["cases"]
    # Open at some time in Q1 2024: 2001 2003 2005 2009 2010 2011 2012 2013 2014 2015 2016 2020.
    assert cases["cohort"] == 12
    # Opened in Q1: 2001 2003 2005 2011 2012 2014 2015 2016 2020 (2009, 2010, 2013: in 2023).
    assert cases["opened"] == 9
    # Closed in Q1: 2009 (03-15), 2011 (03-22), 2014 (03-18), 2015 (03-15), 2016 (02-29);
    # 2010, 2012 and 2013 closed in April/May, so they were still open on 03-31.
    assert cases["closed"] == 5
    assert {r for r, n in cases["closed_by_reason"].items() if n} == {
        "goals-achieved", "conflict-of-interest", "client-declined", "unable-to-engage",
        "transferred",
    }  # fmt: skip
    assert (cases["cancelled"], cases["open_at_end"]) == (0, 7)
    complex_care = by_program(report)["complex-care"]["cases"]
    # 2001 (opened 03-01), 2009 (closed 03-15), 2012 (opened 01-10), 2013 (opened in 2023);
    # 2001, 2012 and 2013 are open on 03-31.
    assert (complex_care["cohort"], complex_care["opened"], complex_care["closed"]) == (4, 2, 1)
    assert complex_care["open_at_end"] == 3

"""The Measure's criteria are FHIRPath that means what the report counts: each population's
expression, evaluated (fhirpathpy) on the resources the adapter writes for the 21 hand-counted
example cases, selects as many resources as `adapter report` counts, per program, for a period
with both ends set. Goals achieved on time or late are left out: the report also dates a goal
by its first progress entry saying achieved, which the expression (on the Goal alone) cannot
see (Measure.guidance says so)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fhirpathpy import evaluate

from adapter.mappings.bundle import case_to_resources
from adapter.model.case import Case
from adapter.profiles import load_package
from adapter.reports import definitions
from adapter.reports.period import ReportPeriod
from adapter.reports.report import build_report
from adapter.reports.sources import cases_from_files
from tests.support.casefiles import hand_counted_files

START, END = date(2024, 2, 1), date(2024, 4, 30)
ENVIRONMENT = {"periodStart": START.isoformat(), "periodEnd": END.isoformat()}
# population code -> where its number is in the report's JSON (section, key[, status])
IN_REPORT: dict[str, tuple[str, ...]] = {
    "cases-opened": ("cases", "opened"),
    "cases-closed": ("cases", "closed"),
    "cases-cancelled": ("cases", "cancelled"),
    "cases-open-at-end": ("cases", "open_at_end"),
    "goals": ("goals", "goals"),
    "goals-achieved": ("goals", "achieved"),
    "goals-not-achieved": ("goals", "not_achieved"),
    "goals-cancelled": ("goals", "cancelled"),
    "goals-open": ("goals", "open"),
    "tasks": ("tasks", "tasks"),
    "tasks-completed": ("tasks", "by_status", "completed"),
    "tasks-failed": ("tasks", "by_status", "failed"),
    "tasks-financial": ("financial", "tasks"),
}
TIMING = {"goals-achieved-on-time", "goals-achieved-late"}


def _cases() -> list[Case]:
    found = cases_from_files(hand_counted_files())
    assert len(found.cases) == 21
    return list(found.cases)


def _selected(expression: str, resources: list[dict[str, Any]]) -> int:
    kind = expression.split(".")[0]
    return sum(
        len(evaluate(r, expression, ENVIRONMENT)) for r in resources if r["resourceType"] == kind
    )


def _number(entry: dict[str, Any], path: tuple[str, ...]) -> int:
    value: Any = entry
    for key in path:
        value = value[key]
    return int(value)


@pytest.fixture(scope="module")
def counted() -> tuple[dict[str, Counter[str]], dict[str, dict[str, Any]]]:
    cases = _cases()
    measure = load_package().by_url(definitions.MEASURE_URL)
    by_expression: dict[str, Counter[str]] = {}
    for group in measure["group"]:
        program = group["code"]["coding"][0]["code"]
        cohort_rule, *populations = group["population"]
        tally: Counter[str] = Counter()
        for case in cases:
            resources = case_to_resources(case)
            if not _selected(cohort_rule["criteria"]["expression"], resources):
                continue
            tally["cohort"] += 1
            for population in populations:
                code = population["code"]["coding"][0]["code"]
                tally[code] += _selected(population["criteria"]["expression"], resources)
        by_expression[program] = tally
    made = datetime(2024, 7, 15, tzinfo=UTC)
    report = build_report(cases, period=ReportPeriod(START, END), program=None, generated_at=made)
    by_report = {entry["program"]: entry for entry in report.as_json()["programs"]}
    return by_expression, by_report


def test_every_population_has_a_checked_or_explained_expression() -> None:
    assert set(definitions.POPULATIONS) == set(IN_REPORT) | TIMING
    assert set(definitions.CRITERIA) == set(definitions.POPULATIONS)


def test_the_expressions_select_what_the_report_counts(
    counted: tuple[dict[str, Counter[str]], dict[str, dict[str, Any]]],
) -> None:
    by_expression, by_report = counted
    assert set(by_expression) == set(by_report)
    for program, tally in by_expression.items():
        entry = by_report[program]
        assert tally["cohort"] == entry["cases"]["cohort"], program
        for code, path in IN_REPORT.items():
            assert tally[code] == _number(entry, path), (program, code)
    # The period really cuts: some cases are outside it, some closed inside it.
    assert sum(t["cohort"] for t in by_expression.values()) < 21
    assert sum(t["cases-closed"] for t in by_expression.values()) > 0

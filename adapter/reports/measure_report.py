"""A program evaluation report as a FHIR R4 ``MeasureReport`` (type ``summary``) against the
Measure ``cm-program-evaluation`` in ``profiles/``: one group per program, its populations
counted, and stratifiers for closure reasons, task statuses, days from referral (median as the
score), recorded utilization (total as the score), the Standard O domains and the financial
results of tasks (a stratum per currency, its total as the score: ``financial.py``)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from adapter.mappings.terminology import table
from adapter.model.codes import TaskStatus
from adapter.reports.definitions import COHORT, MEASURE_URL, USAGE_SIDES, coded
from adapter.reports.facts import Usage
from adapter.reports.financial import CurrencyTotals
from adapter.reports.financial_definitions import CURRENCY_SYSTEM
from adapter.reports.measures import DayStats, ProgramMeasures, UsageCounts
from adapter.reports.report import ProgramReport, number

__all__ = ["measure_report"]

_UCUM = "http://unitsofmeasure.org"


def measure_report(report: ProgramReport) -> dict[str, Any]:
    """The MeasureReport of ``report``; its period's open ends are the first day a case was
    opened and the day the report was made."""
    start = report.period.start or report.first_opened or report.generated_at.date()
    end = report.period.end or report.generated_at.date()
    return {
        "resourceType": "MeasureReport",
        "status": "complete",
        "type": "summary",
        "measure": MEASURE_URL,
        "date": report.generated_at.isoformat(),
        "period": {"start": start.isoformat(), "end": max(start, end).isoformat()},
        "group": [_group(m) for m in report.programs],
    }


def _group(m: ProgramMeasures) -> dict[str, Any]:
    assert m.program is not None  # groups are per program; the total is not one
    flow, goals = m.flow, m.goals
    counts = {
        "cases-opened": flow.opened,
        "cases-closed": flow.closed_total,
        "cases-cancelled": flow.cancelled,
        "cases-open-at-end": flow.open_at_end,
        "goals": goals.goals,
        "goals-achieved": goals.achieved,
        "goals-achieved-on-time": goals.achieved_on_time,
        "goals-achieved-late": goals.achieved_late,
        "goals-not-achieved": goals.not_achieved,
        "goals-cancelled": goals.cancelled,
        "goals-open": goals.open,
        "tasks": sum(m.tasks.values()),
        "tasks-completed": m.tasks[TaskStatus.COMPLETED],
        "tasks-failed": m.tasks[TaskStatus.FAILED],
        "tasks-financial": sum(t.tasks for t in m.financial),
    }
    return {
        "code": {"coding": [table("program-type").to_fhir(m.program.value).coding()]},
        "population": [
            {"code": {"coding": [COHORT]}, "count": flow.cohort},
            *(_population(code, n) for code, n in counts.items()),
        ],
        "stratifier": [
            _stratifier(
                "closure-reason",
                [
                    _stratum(_table_value("case-closure-reason", r.value), [("cases-closed", n)])
                    for r, n in flow.closed.items()
                ],
            ),
            _stratifier(
                "task-status",
                [
                    _stratum(_table_value("task-status", s.value), [("tasks", n)])
                    for s, n in m.tasks.items()
                ],
            ),
            _stratifier(
                "days-from-referral",
                [
                    _days("first-contact", m.referral_to_first_contact),
                    _days("plan", m.referral_to_plan),
                ],
            ),
            _stratifier(
                "utilization",
                [s for usage, u in m.usage.items() for s in _usage(usage, u)],
            ),
            _stratifier(
                "outcome-domain",
                [
                    _stratum(
                        _table_value("outcome-domain", domain.value),
                        [
                            ("outcome-measurements", d.measurements),
                            ("cases-measured", d.cases),
                            ("repeated-measures", d.repeated),
                            ("improved", d.improved),
                            ("worsened", d.worsened),
                        ],
                    )
                    for domain, d in m.domains.items()
                ],
            ),
            *_financial(m.financial),
        ],
    }


def _population(code: str, count: int) -> dict[str, Any]:
    return {"code": coded(code), "count": count}


def _table_value(table_name: str, value: str) -> dict[str, Any]:
    return {"coding": [table(table_name).to_fhir(value).coding()]}


def _stratifier(code: str, strata: list[dict[str, Any]]) -> dict[str, Any]:
    """A stratifier with no strata (a currency nobody recorded) leaves ``stratum`` out: FHIR
    has no empty arrays."""
    return {"code": [coded(code)], **({"stratum": strata} if strata else {})}


def _stratum(
    value: dict[str, Any], counts: list[tuple[str, int]], score: dict[str, Any] | None = None
) -> dict[str, Any]:
    stratum: dict[str, Any] = {
        "value": value,
        "population": [_population(code, n) for code, n in counts],
    }
    if score is not None:
        stratum["measureScore"] = score
    return stratum


def _days(code: str, stats: DayStats) -> dict[str, Any]:
    score = None
    if stats.median is not None:
        score = {"value": stats.median, "unit": "days", "system": _UCUM, "code": "d"}
    return _stratum(coded(code), [("cases-measured", stats.cases)], score)


def _usage(usage: Usage, u: UsageCounts) -> list[dict[str, Any]]:
    values: dict[str, tuple[int, Decimal]] = {
        "baseline": (u.baseline_cases, u.baseline_total),
        "follow-up": (u.follow_up_cases, u.follow_up_total),
        "paired-baseline": (u.paired_cases, u.paired_baseline),
        "paired-follow-up": (u.paired_cases, u.paired_follow_up),
    }
    assert tuple(values) == USAGE_SIDES
    return [
        _stratum(
            coded(f"{usage.value}-{side}"),
            [("cases-measured", cases)],
            {"value": number(total), "unit": "events", "system": _UCUM, "code": "1"},
        )
        for side, (cases, total) in values.items()
    ]


def _financial(totals: tuple[CurrencyTotals, ...]) -> list[dict[str, Any]]:
    """The stratifiers billed, negotiated and savings: a stratum per currency, its total as
    the score (an exact decimal), the tasks with a result in that currency as its population."""
    amounts: dict[str, Callable[[CurrencyTotals], Decimal]] = {
        "financial-billed": lambda t: t.billed,
        "financial-negotiated": lambda t: t.negotiated,
        "financial-savings": lambda t: t.savings,
    }
    return [
        _stratifier(
            code,
            [
                _stratum(
                    {"coding": [{"system": CURRENCY_SYSTEM, "code": t.currency}]},
                    [("tasks-financial", t.tasks)],
                    {
                        "value": amount(t),
                        "unit": t.currency,
                        "system": CURRENCY_SYSTEM,
                        "code": t.currency,
                    },
                )
                for t in totals
            ],
        )
        for code, amount in amounts.items()
    ]

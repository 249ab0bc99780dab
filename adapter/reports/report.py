"""One program evaluation report: the measures of each program asked for, and of all of them
together, over one period; and its JSON form (``adapter report --format json``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from adapter.model.case import Case
from adapter.model.codes import ProgramType
from adapter.reports.financial import financial_json
from adapter.reports.measures import DayStats, ProgramMeasures, UsageCounts, program_measures
from adapter.reports.period import ReportPeriod

__all__ = ["ProgramReport", "Skipped", "build_report", "measures_json", "number"]


@dataclass(frozen=True, slots=True)
class Skipped:
    """A record that could not be read as a case: its name and why (never its content)."""

    record: str
    reason: str


@dataclass(frozen=True, slots=True)
class ProgramReport:
    """``programs`` holds one entry per program asked for (every program when none was named);
    ``total`` is all of them together."""

    period: ReportPeriod
    program: ProgramType | None
    generated_at: datetime
    cases_read: int
    programs: tuple[ProgramMeasures, ...]
    total: ProgramMeasures
    first_opened: date | None = None
    skipped: tuple[Skipped, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        return {
            "period": {
                "from": self.period.start.isoformat() if self.period.start else None,
                "to": self.period.end.isoformat() if self.period.end else None,
            },
            "program": self.program.value if self.program else None,
            "generated_at": self.generated_at.isoformat(),
            "cases_read": self.cases_read,
            "skipped": [{"record": s.record, "reason": s.reason} for s in self.skipped],
            "programs": [measures_json(m) for m in self.programs],
            "total": measures_json(self.total),
        }


def build_report(
    cases: Iterable[Case],
    *,
    period: ReportPeriod,
    program: ProgramType | None,
    generated_at: datetime,
    skipped: Sequence[Skipped] = (),
) -> ProgramReport:
    """The report of ``program`` (None: every program) over ``cases`` in ``period``."""
    every = list(cases)
    wanted = [program] if program is not None else list(ProgramType)
    return ProgramReport(
        period=period,
        program=program,
        generated_at=generated_at,
        cases_read=len(every),
        programs=tuple(program_measures(every, period=period, program=p) for p in wanted),
        total=program_measures(every, period=period, program=program),
        first_opened=min((case.opened_on for case in every), default=None),
        skipped=tuple(skipped),
    )


def number(value: Decimal) -> int | float:
    """A JSON number: an integer when the value is whole."""
    return int(value) if value == value.to_integral_value() else float(value)


def measures_json(m: ProgramMeasures) -> dict[str, Any]:
    flow = m.flow
    goals = m.goals
    return {
        "program": m.program.value if m.program else None,
        "cases": {
            "cohort": flow.cohort,
            "opened": flow.opened,
            "closed": flow.closed_total,
            "closed_by_reason": {reason.value: n for reason, n in flow.closed.items()},
            "cancelled": flow.cancelled,
            "open_at_end": flow.open_at_end,
        },
        "goals": {
            "goals": goals.goals,
            "achieved": goals.achieved,
            "achieved_on_time": goals.achieved_on_time,
            "achieved_late": goals.achieved_late,
            "achieved_timing_unknown": goals.achieved_timing_unknown,
            "not_achieved": goals.not_achieved,
            "cancelled": goals.cancelled,
            "open": goals.open,
        },
        "tasks": {
            "tasks": sum(m.tasks.values()),
            "by_status": {status.value: n for status, n in m.tasks.items()},
        },
        "days_referral_to_first_contact": _days_json(m.referral_to_first_contact),
        "days_referral_to_plan": _days_json(m.referral_to_plan),
        "utilization": {usage.value: _usage_json(u) for usage, u in m.usage.items()},
        "outcome_domains": {
            domain.value: {
                "measurements": d.measurements,
                "cases": d.cases,
                "repeated": d.repeated,
                "improved": d.improved,
                "worsened": d.worsened,
            }
            for domain, d in m.domains.items()
        },
        "financial": financial_json(m.financial),
    }


def _days_json(stats: DayStats) -> dict[str, Any]:
    return {
        "cases": stats.cases,
        "median": stats.median,
        "mean": stats.mean,
        "min": stats.minimum,
        "max": stats.maximum,
    }


def _usage_json(u: UsageCounts) -> dict[str, Any]:
    return {
        "baseline": {"cases": u.baseline_cases, "total": number(u.baseline_total)},
        "follow_up": {"cases": u.follow_up_cases, "total": number(u.follow_up_total)},
        "paired": {
            "cases": u.paired_cases,
            "baseline": number(u.paired_baseline),
            "follow_up": number(u.paired_follow_up),
        },
    }

"""The charts of a report as data (title, categories, series), drawn by ``svg.py`` for the
HTML page and by ``png.py`` for the picture."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from adapter.model.codes import TaskStatus
from adapter.reports.measures import ProgramMeasures
from adapter.reports.report import ProgramReport

__all__ = ["Chart", "Series", "label", "report_charts", "value_text"]

_Value = Callable[[ProgramMeasures], float]

# Colour-blind-safe (Okabe-Ito).
GREEN, BLUE, ORANGE, GREY, SKY, VERMILION, PURPLE = (
    "#009E73",
    "#0072B2",
    "#E69F00",
    "#999999",
    "#56B4E9",
    "#D55E00",
    "#CC79A7",
)


@dataclass(frozen=True, slots=True)
class Series:
    """``values`` set the bars' lengths; ``texts``, when given, are what is written for each
    value (an exact amount), else the value itself."""

    name: str
    color: str
    values: tuple[float, ...]
    texts: tuple[str, ...] = ()

    def text(self, index: int) -> str:
        if self.texts:
            return self.texts[index]
        return value_text(self.values[index])


def value_text(value: float) -> str:
    """A count or a median as written on a chart: ``7``, ``4.5``."""
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


@dataclass(frozen=True, slots=True)
class Chart:
    """Horizontal bars, one row per category; several series stack (``stacked``) or sit side
    by side."""

    title: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    stacked: bool
    unit: str


def label(code: str) -> str:
    """A code as words: ``transitional-care`` -> ``Transitional care``."""
    words = code.replace("-", " ")
    return words[:1].upper() + words[1:]


def report_charts(report: ProgramReport) -> list[Chart]:
    """The charts, most important first (the picture shows the first four)."""
    per = _PerProgram(report.programs)
    domains = report.total.domains.values()
    closed = report.total.flow.closed
    return [
        per.chart(
            "Cases per program",
            [
                ("Open at the end", BLUE, lambda m: m.flow.open_at_end),
                ("Closed", GREEN, lambda m: m.flow.closed_total),
                ("Cancelled", GREY, lambda m: m.flow.cancelled),
            ],
            stacked=True,
            unit="cases",
        ),
        per.chart(
            "Goals per program",
            [
                ("Achieved", GREEN, lambda m: m.goals.achieved),
                ("Not achieved", VERMILION, lambda m: m.goals.not_achieved),
                ("Cancelled", GREY, lambda m: m.goals.cancelled),
                ("Open", SKY, lambda m: m.goals.open),
            ],
            stacked=True,
            unit="goals",
        ),
        per.chart(
            "Median days from referral",
            [
                ("to first contact", ORANGE, lambda m: m.referral_to_first_contact.median or 0),
                ("to plan", PURPLE, lambda m: m.referral_to_plan.median or 0),
            ],
            stacked=False,
            unit="days",
        ),
        Chart(
            "Standard O outcome measurements (all programs)",
            tuple(label(d.value) for d in report.total.domains),
            (
                Series("Measurements", BLUE, tuple(float(d.measurements) for d in domains)),
                Series("Improved", GREEN, tuple(float(d.improved) for d in domains)),
            ),
            stacked=False,
            unit="measurements",
        ),
        per.chart(
            "Tasks per program",
            [
                ("Completed", GREEN, lambda m: m.tasks[TaskStatus.COMPLETED]),
                ("Failed", VERMILION, lambda m: m.tasks[TaskStatus.FAILED]),
                ("Other", GREY, _other_tasks),
            ],
            stacked=True,
            unit="tasks",
        ),
        Chart(
            "Cases closed by reason (all programs)",
            tuple(label(r.value) for r in closed),
            (Series("Closed", GREEN, tuple(float(n) for n in closed.values())),),
            stacked=False,
            unit="cases",
        ),
    ]


@dataclass(frozen=True, slots=True)
class _PerProgram:
    programs: tuple[ProgramMeasures, ...]

    def chart(
        self, title: str, series: list[tuple[str, str, _Value]], *, stacked: bool, unit: str
    ) -> Chart:
        names = tuple(label(m.program.value) if m.program else "All" for m in self.programs)
        return Chart(
            title,
            names,
            tuple(
                Series(name, color, tuple(float(value(m)) for m in self.programs))
                for name, color, value in series
            ),
            stacked=stacked,
            unit=unit,
        )


def _other_tasks(m: ProgramMeasures) -> int:
    return sum(m.tasks.values()) - m.tasks[TaskStatus.COMPLETED] - m.tasks[TaskStatus.FAILED]

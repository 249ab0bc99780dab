"""The report's main charts as one PNG picture (matplotlib, Agg backend: no display needed).

matplotlib is an optional dependency (``pip install 'cm-fhir-adapter[charts]'``); without it
:func:`report_png` raises ``ConfigError`` saying so, before anything is drawn.
"""

from __future__ import annotations

import importlib.util
from io import BytesIO
from typing import TYPE_CHECKING

from adapter.errors import ConfigError
from adapter.reports.charts import Chart, label, report_charts
from adapter.reports.report import ProgramReport

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["png_available", "report_png"]

_PANELS = 4  # the first four charts: cases, goals, days from referral, Standard O


def png_available() -> bool:
    """Whether matplotlib is installed."""
    return importlib.util.find_spec("matplotlib") is not None


def report_png(report: ProgramReport) -> bytes:
    """The first four charts of the report on one 2 x 2 picture, as PNG bytes."""
    if not png_available():
        raise ConfigError(
            "the PNG chart needs matplotlib: pip install 'cm-fhir-adapter[charts]' "
            "(or leave the picture out with --no-png)"
        )
    from matplotlib.figure import Figure

    figure = Figure(figsize=(13, 8.5), dpi=100, layout="constrained")
    period = report.period.text()
    program = label(report.program.value) if report.program else "all programs"
    figure.suptitle(
        f"Case-management program evaluation: {program}, "
        f"{'all dates' if period == '..' else period} ({report.cases_read} cases)",
        fontsize=14,
    )
    axes = figure.subplots(2, 2)
    for chart, ax in zip(report_charts(report)[:_PANELS], axes.flat, strict=True):
        _draw(ax, chart)
    out = BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def _draw(ax: Axes, chart: Chart) -> None:
    rows = list(range(len(chart.categories)))
    height = 0.8 if chart.stacked else 0.8 / len(chart.series)
    left = [0.0] * len(rows)
    for index, series in enumerate(chart.series):
        if chart.stacked:
            positions = [float(r) for r in rows]
        else:
            positions = [r - 0.4 + height * (index + 0.5) for r in rows]
        bars = ax.barh(
            positions,
            series.values,
            height=height,
            left=left if chart.stacked else None,
            color=series.color,
            label=series.name,
        )
        labels = [f"{v:g}" if v else "" for v in series.values]
        ax.bar_label(bars, labels=labels, label_type="center" if chart.stacked else "edge")
        if chart.stacked:
            left = [a + b for a, b in zip(left, series.values, strict=True)]
    ax.set_yticks(rows, chart.categories)
    ax.invert_yaxis()
    ax.set_title(chart.title, loc="left", fontweight="bold")
    ax.set_xlabel(chart.unit)
    ax.legend(loc="best", fontsize="small")
    ax.spines[["top", "right"]].set_visible(False)

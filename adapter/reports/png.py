"""The report's main charts as one PNG picture (matplotlib, Agg backend: no display needed).

matplotlib is an optional dependency (``pip install 'cm-fhir-adapter[charts]'``); without it
:func:`report_png` raises ``ConfigError`` saying so, before anything is drawn.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from io import BytesIO
from typing import TYPE_CHECKING

from adapter.errors import ConfigError
from adapter.reports.charts import Chart, label, report_charts
from adapter.reports.financial_charts import financial_charts
from adapter.reports.report import ProgramReport

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["charts_png", "png_available", "report_png"]

_PANELS = 4  # the first four charts: cases, goals, days from referral, Standard O


def png_available() -> bool:
    """Whether matplotlib is installed."""
    return importlib.util.find_spec("matplotlib") is not None


def report_png(report: ProgramReport) -> bytes:
    """The first four charts of the report, then its financial charts (one per currency, when
    tasks record financial results), two to a row, as PNG bytes."""
    period = report.period.text()
    program = label(report.program.value) if report.program else "all programs"
    title = (
        f"Case-management program evaluation: {program}, "
        f"{'all dates' if period == '..' else period} ({report.cases_read} cases)"
    )
    return charts_png([*report_charts(report)[:_PANELS], *financial_charts(report)], title)


def charts_png(charts: Sequence[Chart], title: str) -> bytes:
    """``charts`` two to a row under ``title`` (650 px a chart, 425 px a row), as PNG bytes."""
    if not png_available():
        raise ConfigError(
            "the PNG chart needs matplotlib: pip install 'cm-fhir-adapter[charts]' "
            "(or leave the picture out with --no-png)"
        )
    from matplotlib.figure import Figure

    columns = 2 if len(charts) > 1 else 1
    rows = max(1, -(-len(charts) // columns))
    figure = Figure(figsize=(6.5 * columns, 4.25 * rows), dpi=100, layout="constrained")
    figure.suptitle(title, fontsize=14)
    axes = figure.subplots(rows, columns, squeeze=False).flat
    for index, ax in enumerate(axes):
        if index < len(charts):
            _draw(ax, charts[index])
        else:
            ax.set_visible(False)
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
        labels = [series.text(i) if v else "" for i, v in enumerate(series.values)]
        ax.bar_label(bars, labels=labels, label_type="center" if chart.stacked else "edge")
        if chart.stacked:
            left = [a + b for a, b in zip(left, series.values, strict=True)]
    ax.set_yticks(rows, chart.categories)
    # Top to bottom; fewer than three categories are centred, bars as thin as three would be.
    pad = max(0.0, (3 - len(rows)) / 2)
    if pad:
        ax.set_ylim(len(rows) - 0.5 + pad, -0.5 - pad)
    else:
        ax.invert_yaxis()
    if any(series.texts for series in chart.series):
        ax.margins(x=0.2)  # room for the exact amounts after the bars
    ax.set_title(chart.title, loc="left", fontweight="bold")
    ax.set_xlabel(chart.unit)
    ax.legend(loc="best", fontsize="small")
    ax.spines[["top", "right"]].set_visible(False)

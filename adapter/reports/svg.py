"""A chart as inline SVG: horizontal bars, a legend, a value at the end of each bar."""

from __future__ import annotations

from html import escape

from adapter.reports.charts import Chart, value_text

__all__ = ["chart_svg"]

_WIDTH = 640
_LABEL = 150  # room for the category names
_ROW = 22  # height of one bar
_GAP = 10  # between categories
_TOP = 34  # title and legend


def chart_svg(chart: Chart) -> str:
    """The chart as one ``<svg>`` element (no scripts, no external references)."""
    rows = len(chart.series) if not chart.stacked else 1
    band = rows * _ROW + _GAP
    height = _TOP + band * len(chart.categories) + 20
    scale = (_WIDTH - _LABEL - _room(chart)) / max(_largest(chart), 1.0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{height}" '
        f'viewBox="0 0 {_WIDTH} {height}" role="img" aria-label="{escape(chart.title)}" '
        'font-family="sans-serif" font-size="12">',
        f'<text x="0" y="14" font-size="14" font-weight="bold">{escape(chart.title)}</text>',
        *_legend(chart),
    ]
    for index, category in enumerate(chart.categories):
        top = _TOP + index * band
        parts.append(
            f'<text x="{_LABEL - 6}" y="{top + rows * _ROW / 2 + 4:.0f}" '
            f'text-anchor="end">{escape(category)}</text>'
        )
        parts += _bars(chart, index, top, scale)
    parts.append("</svg>")
    return "\n".join(parts)


def _largest(chart: Chart) -> float:
    if chart.stacked:
        return max(
            (sum(values) for values in zip(*(s.values for s in chart.series), strict=True)),
            default=0.0,
        )
    return max((v for s in chart.series for v in s.values), default=0.0)


def _room(chart: Chart) -> float:
    """Room right of the longest bar for the number written after it (7 px a character)."""
    longest = max(
        (len(s.text(i)) for s in chart.series for i in range(len(chart.categories))), default=0
    )
    return max(50.0, 7.0 * longest + 10)


def _legend(chart: Chart) -> list[str]:
    parts = []
    x = float(_LABEL)
    for series in chart.series:
        parts.append(f'<rect x="{x:.0f}" y="20" width="10" height="10" fill="{series.color}"/>')
        parts.append(f'<text x="{x + 14:.0f}" y="29">{escape(series.name)}</text>')
        x += 24 + 7 * len(series.name)
    return parts


def _bars(chart: Chart, index: int, top: float, scale: float) -> list[str]:
    parts = []
    x = float(_LABEL)
    for row, series in enumerate(chart.series):
        value = series.values[index]
        y = top if chart.stacked else top + row * _ROW
        width = value * scale
        title = f"{series.name}: {series.text(index)} {chart.unit}"
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.0f}" width="{width:.1f}" height="{_ROW - 4}" '
            f'fill="{series.color}"><title>{escape(title)}</title></rect>'
        )
        if chart.stacked:
            if value and width >= 16:
                parts.append(
                    f'<text x="{x + width / 2:.1f}" y="{y + _ROW - 9:.0f}" text-anchor="middle" '
                    f'fill="white">{escape(series.text(index))}</text>'
                )
            x += width
        else:
            parts.append(
                f'<text x="{x + width + 4:.1f}" y="{y + _ROW - 9:.0f}">'
                f"{escape(series.text(index))}</text>"
            )
    if chart.stacked:
        total = sum(s.values[index] for s in chart.series)
        parts.append(f'<text x="{x + 4:.1f}" y="{top + _ROW - 9:.0f}">{value_text(total)}</text>')
    return parts

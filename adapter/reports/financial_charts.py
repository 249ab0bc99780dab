"""The financial results of a report as charts: billed, negotiated and saved per program, one
chart per currency (amounts in different currencies never share an axis, let alone a bar).

Bar lengths are floats (they are drawing geometry); every number written on a chart is the
exact amount (``50,900.00``), from the Decimal totals of ``financial.py``.
"""

from __future__ import annotations

from decimal import Decimal

from adapter.reports.charts import BLUE, GREEN, ORANGE, Chart, Series, label
from adapter.reports.measures import ProgramMeasures
from adapter.reports.report import ProgramReport

__all__ = ["currencies", "financial_charts", "money_text"]


def money_text(amount: Decimal) -> str:
    """An amount as exact text with thousands separators: ``50,900.00``."""
    return format(amount, ",f")


def currencies(report: ProgramReport) -> tuple[str, ...]:
    """The currencies the report's tasks record financial results in, in code order."""
    return tuple(t.currency for t in report.total.financial)


def financial_charts(report: ProgramReport) -> list[Chart]:
    """One chart per currency: a row per program with results in it, bars billed, negotiated
    and saved. No chart when no task records a financial result."""
    return [_chart(currency, report.programs) for currency in currencies(report)]


def _chart(currency: str, programs: tuple[ProgramMeasures, ...]) -> Chart:
    rows = [
        (label(m.program.value) if m.program else "All", totals)
        for m in programs
        for totals in m.financial
        if totals.currency == currency
    ]
    amounts: list[tuple[str, str, list[Decimal]]] = [
        ("Billed", BLUE, [t.billed for _, t in rows]),
        ("Negotiated", ORANGE, [t.negotiated for _, t in rows]),
        ("Savings", GREEN, [t.savings for _, t in rows]),
    ]
    return Chart(
        f"Financial results in {currency}",
        tuple(name for name, _ in rows),
        tuple(
            Series(
                name,
                color,
                tuple(float(v) for v in values),
                texts=tuple(money_text(v) for v in values),
            )
            for name, color, values in amounts
        ),
        stacked=False,
        unit=currency,
    )

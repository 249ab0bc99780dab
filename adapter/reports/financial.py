"""The financial results of tasks (CMSA Standard O: cost-effectiveness): per currency, how many
tasks of the cohort record one (a rate negotiation, a coverage exception, ...) and the totals
billed, negotiated and saved.

Amounts of different currencies are never added together: each currency is its own total. The
sums are exact (Decimal, and any rounding raises instead of passing unnoticed). A task's
savings are ``billed - negotiated`` (the case's ``savings`` when it gives one, which the model
holds equal to that). Which tasks count: every task of the cohort that records a financial
result, whatever the period's dates (tasks carry no completion date; the same rule as the task
counts, docs/reports.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Context, Decimal, Inexact, Rounded, localcontext
from typing import Any

from adapter.model.case import Case
from adapter.model.task import FinancialResult

__all__ = ["CurrencyTotals", "financial_json", "financial_totals", "money"]

# Enough digits for any sum of amounts the model accepts (18 digits each); a sum that would
# need more raises decimal.Inexact rather than being rounded.
_EXACT = Context(prec=60, traps=[Inexact, Rounded])


@dataclass(frozen=True, slots=True)
class CurrencyTotals:
    """The financial results of the tasks in one currency."""

    currency: str
    tasks: int
    billed: Decimal
    negotiated: Decimal
    savings: Decimal


def financial_totals(cases: Iterable[Case]) -> tuple[CurrencyTotals, ...]:
    """One entry per currency the tasks of ``cases`` record a financial result in, in the
    order of the currency codes."""
    by_currency: dict[str, list[FinancialResult]] = {}
    for case in cases:
        for task in case.tasks:
            if task.financial is not None:
                by_currency.setdefault(task.financial.currency, []).append(task.financial)
    return tuple(_totals(code, by_currency[code]) for code in sorted(by_currency))


def _totals(currency: str, results: list[FinancialResult]) -> CurrencyTotals:
    with localcontext(_EXACT):
        billed = sum((r.billed for r in results), Decimal(0))
        negotiated = sum((r.negotiated for r in results), Decimal(0))
        savings = sum((r.billed - r.negotiated for r in results), Decimal(0))
    return CurrencyTotals(currency, len(results), billed, negotiated, savings)


def money(value: Decimal) -> str:
    """An amount as exact text in plain notation (``50900.00``): JSON numbers go through binary
    floats in most readers, which money must not."""
    return format(value, "f")


def financial_json(totals: tuple[CurrencyTotals, ...]) -> dict[str, Any]:
    return {
        "tasks": sum(t.tasks for t in totals),
        "by_currency": {
            t.currency: {
                "tasks": t.tasks,
                "billed": money(t.billed),
                "negotiated": money(t.negotiated),
                "savings": money(t.savings),
            }
            for t in totals
        },
    }

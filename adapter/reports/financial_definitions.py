"""The financial part of the ``cm-program-evaluation`` Measure (``definitions.py`` merges it
in): the population of tasks with a financial result and three stratifiers by currency whose
stratum scores are the totals billed, negotiated and saved in that currency.

The stratifiers' criteria are FHIRPath on the Task: the ISO 4217 currency of its financial
amounts (``Task.output`` typed in the ``financial-amount`` code system, ``valueMoney``), so
amounts in different currencies land in different strata and are never added together.
"""

from __future__ import annotations

from typing import Any, Final

from adapter import canonical

__all__ = [
    "CURRENCY_SYSTEM",
    "FINANCIAL_CRITERIA",
    "FINANCIAL_POPULATIONS",
    "FINANCIAL_STRATIFIERS",
    "stratifier_criteria",
]

CURRENCY_SYSTEM: Final = "urn:iso:std:iso:4217"

_AMOUNT = f"type.coding.where(system = '{canonical.code_system('financial-amount')}').exists()"
FINANCIAL_POPULATIONS: Final = {
    "tasks-financial": (
        "Tasks with a financial result",
        "Tasks of the cohort that record a financial result (a rate negotiation, a coverage "
        "exception, ...): billed and negotiated amounts in one currency.",
    ),
}
FINANCIAL_CRITERIA: Final = {"tasks-financial": f"Task.where(output.where({_AMOUNT}).exists())"}

_BY_CURRENCY = "Tasks with a financial result, by the currency of their amounts"
_NEVER_MIXED = "amounts in different currencies are never added together"
FINANCIAL_STRATIFIERS: Final = {
    "financial-billed": (
        "Amount billed",
        f"{_BY_CURRENCY}; the score is the total billed in that currency ({_NEVER_MIXED}).",
    ),
    "financial-negotiated": (
        "Amount negotiated",
        f"{_BY_CURRENCY}; the score is the total negotiated, agreed or covered in that "
        f"currency ({_NEVER_MIXED}).",
    ),
    "financial-savings": (
        "Savings",
        f"{_BY_CURRENCY}; the score is the total saved (billed minus negotiated, per task) in "
        f"that currency ({_NEVER_MIXED}).",
    ),
}
_CURRENCY = f"Task.output.where({_AMOUNT}).value.ofType(Money).currency.distinct()"


def stratifier_criteria(code: str) -> dict[str, Any]:
    """The ``criteria`` of a financial stratifier (the stratum is the task's currency); an
    empty dict for the other stratifiers."""
    if code not in FINANCIAL_STRATIFIERS:
        return {}
    rule = "The ISO 4217 currency of the task's financial amounts."
    return {"criteria": {"description": rule, "language": "text/fhirpath", "expression": _CURRENCY}}

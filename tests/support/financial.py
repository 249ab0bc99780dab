"""Case files for the financial results of the report: the shipped rate negotiation (CM-2022),
a copy of it with a EUR negotiation next to its USD coverage exception, and copies with a bad
amount. Each copy is re-identified (its own case and client ids).

The amounts, from examples/cases/CM-2022-workers-compensation-payer-rate-negotiation.json
(program workers-compensation; the only example whose tasks record a financial result):

- T-2 rate-negotiation, completed: USD billed 48500.00, negotiated 31525.00 (savings 16975.00)
- T-3 coverage-exception, completed: USD billed 2400.00, negotiated 1800.00 (savings 600.00)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.support.casefiles import example_data

__all__ = [
    "RATE_NEGOTIATION",
    "copy_of_rate_negotiation",
    "euro_negotiation",
    "without_currency",
    "word_for_amount",
    "write_cases",
]

RATE_NEGOTIATION = "CM-2022"
_T2, _T3 = 1, 2  # the indexes of T-2 and T-3 in the case's tasks


def copy_of_rate_negotiation(suffix: str) -> dict[str, Any]:
    """CM-2022 as ``CM-2022-<suffix>`` (client ``CL-2022-<suffix>``)."""
    data = example_data(RATE_NEGOTIATION)
    data["id"] = f"{data['id']}-{suffix}"
    data["client"]["id"] = f"{data['client']['id']}-{suffix}"
    assert [t["id"] for t in data["tasks"][_T2 : _T3 + 1]] == ["T-2", "T-3"]
    return data


def euro_negotiation() -> dict[str, Any]:
    """``CM-2022-EU``: T-2 negotiated in EUR (billed 18250.50, negotiated 15000.25, savings
    3250.25); T-3 stays the USD coverage exception (2400.00, 1800.00)."""
    data = copy_of_rate_negotiation("EU")
    data["tasks"][_T2]["financial"] = {
        "currency": "EUR",
        "billed": "18250.50",
        "negotiated": "15000.25",
    }
    return data


def without_currency() -> dict[str, Any]:
    """``CM-2022-NOCUR``: T-3's amounts without a currency (``tasks[2].financial.currency``)."""
    data = copy_of_rate_negotiation("NOCUR")
    del data["tasks"][_T3]["financial"]["currency"]
    return data


WORD_AMOUNT = "forty-eight thousand"


def word_for_amount() -> dict[str, Any]:
    """``CM-2022-WORDS``: T-2's billed amount is not a number (``tasks[1].financial.billed``)."""
    data = copy_of_rate_negotiation("WORDS")
    data["tasks"][_T2]["financial"]["billed"] = WORD_AMOUNT
    return data


def write_cases(folder: Path, *cases: dict[str, Any]) -> Path:
    """Each case as ``<id>.json`` in ``folder`` (made if missing); returns ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for case in cases:
        (folder / f"{case['id']}.json").write_text(json.dumps(case), encoding="utf-8")
    return folder

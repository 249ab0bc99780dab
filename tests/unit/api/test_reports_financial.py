"""GET /reports/program: the financial results of tasks over the case store, per program and
currency. The amounts are those of tests/support/financial.py, totalled by hand:

- every shipped example stored: only CM-2022 (workers-compensation) records financial
  results, T-2 USD 48500.00 / 31525.00 and T-3 USD 2400.00 / 1800.00, so 2 tasks, billed
  50900.00, negotiated 33325.00, savings 17575.00;
- with CM-2022-EU next to it (T-2 in EUR 18250.50 / 15000.25, T-3 USD 2400.00 / 1800.00):
  USD 3 tasks 53300.00 / 35125.00 / 18175.00 and EUR 1 task 18250.50 / 15000.25 / 3250.25.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from tests.support.casefiles import EXAMPLES, example_data
from tests.support.financial import (
    WORD_AMOUNT,
    euro_negotiation,
    without_currency,
    word_for_amount,
)

PROGRAM = {"program": "workers-compensation"}


async def store(client, *cases: dict[str, Any]) -> None:
    for case in cases:
        response = await client.post("/cases", json=case)
        assert response.status_code == 201, response.text


async def test_json_report_of_every_stored_example(client):
    await store(client, *(json.loads(p.read_text()) for p in sorted(EXAMPLES.glob("*.json"))))
    response = await client.get("/reports/program")
    assert response.status_code == 200
    report = response.json()
    usd = {"tasks": 2, "billed": "50900.00", "negotiated": "33325.00", "savings": "17575.00"}
    per = {entry["program"]: entry["financial"] for entry in report["programs"]}
    assert per.pop("workers-compensation") == {"tasks": 2, "by_currency": {"USD": usd}}
    assert set(map(json.dumps, per.values())) == {json.dumps({"tasks": 0, "by_currency": {}})}
    assert report["total"]["financial"] == {"tasks": 2, "by_currency": {"USD": usd}}


async def test_fhir_report_has_a_stratum_per_currency_with_exact_scores(client):
    await store(client, example_data("CM-2022"), euro_negotiation())
    response = await client.get("/reports/program", params={**PROGRAM, "format": "fhir"})
    assert response.status_code == 200
    [group] = json.loads(response.text, parse_float=Decimal)["group"]
    scores = {
        s["code"][0]["coding"][0]["code"]: {
            st["value"]["coding"][0]["code"]: (
                st["population"][0]["count"],
                st["measureScore"]["value"],
            )
            for st in s["stratum"]
        }
        for s in group["stratifier"]
        if s["code"][0]["coding"][0]["code"].startswith("financial-")
    }
    assert scores == {
        "financial-billed": {"EUR": (1, Decimal("18250.50")), "USD": (3, Decimal("53300.00"))},
        "financial-negotiated": {
            "EUR": (1, Decimal("15000.25")),
            "USD": (3, Decimal("35125.00")),
        },
        "financial-savings": {"EUR": (1, Decimal("3250.25")), "USD": (3, Decimal("18175.00"))},
    }
    assert '"value":53300.00,' in response.text  # the digits as computed
    assert "71550.5" not in response.text  # billed summed over both currencies: never


async def test_bad_amounts_are_refused_by_field_and_the_report_goes_on(client):
    await store(client, example_data("CM-2022"))
    for case, field in [
        (without_currency(), "tasks[2].financial.currency"),
        (word_for_amount(), "tasks[1].financial.billed"),
    ]:
        response = await client.post("/cases", json=case)
        assert response.status_code == 422
        outcome = response.json()
        assert outcome["resourceType"] == "OperationOutcome"
        assert field in {e for issue in outcome["issue"] for e in issue.get("expression", [])}
        assert WORD_AMOUNT not in response.text
    report = (await client.get("/reports/program", params=PROGRAM)).json()
    assert report["cases_read"] == 1
    assert report["total"]["financial"]["by_currency"] == {
        "USD": {"tasks": 2, "billed": "50900.00", "negotiated": "33325.00", "savings": "17575.00"}
    }

"""The financial results of tasks in ``adapter report`` (JSON and FHIR), run as users run it:
through the CLI over case files. Expected numbers are computed by hand from the case files
(tests/support/financial.py lists the amounts).

Hand computation for the shipped examples (examples/cases/, all 26 files): the only tasks with
a ``financial`` result are CM-2022's (program workers-compensation), both in USD:
    T-2 rate-negotiation   billed 48500.00  negotiated 31525.00  savings 16975.00
    T-3 coverage-exception billed  2400.00  negotiated  1800.00  savings   600.00
    workers-compensation   2 tasks, billed 50900.00, negotiated 33325.00, savings 17575.00
Every other program has no task with a financial result.
"""

from __future__ import annotations

import json
import re
import struct
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from adapter.cli import app
from adapter.model.codes import ProgramType
from tests.support.casefiles import EXAMPLES, example_data
from tests.support.financial import (
    WORD_AMOUNT,
    euro_negotiation,
    without_currency,
    word_for_amount,
    write_cases,
)

WORKERS_COMP = "workers-compensation"
CM_2022_USD = {"tasks": 2, "billed": "50900.00", "negotiated": "33325.00", "savings": "17575.00"}
NOTHING = {"tasks": 0, "by_currency": {}}
FINANCIAL = ("financial-billed", "financial-negotiated", "financial-savings")


def run_report(*args: str, exit_code: int = 0) -> tuple[str, str]:
    """``adapter report ARGS``: its stdout and stderr, after checking its exit code."""
    result = CliRunner().invoke(app, ["report", *args])
    assert result.exit_code == exit_code, result.output
    return result.stdout, result.stderr


def json_report(*args: str, exit_code: int = 0) -> dict[str, Any]:
    stdout, _ = run_report(*args, "--format", "json", exit_code=exit_code)
    report: dict[str, Any] = json.loads(stdout)
    return report


def financial_by_program(report: dict[str, Any]) -> dict[str, Any]:
    return {entry["program"]: entry["financial"] for entry in report["programs"]}


def fhir_report(*args: str, exit_code: int = 0) -> tuple[str, dict[str, Any]]:
    """The MeasureReport's text and its content with every decimal read exactly."""
    text, _ = run_report(*args, "--format", "fhir", exit_code=exit_code)
    resource: dict[str, Any] = json.loads(text, parse_float=Decimal)
    return text, resource


def group_of(resource: dict[str, Any], program: str) -> dict[str, Any]:
    groups: list[dict[str, Any]] = resource["group"]
    [group] = [g for g in groups if g["code"]["coding"][0]["code"] == program]
    return group


def amounts(group: dict[str, Any]) -> dict[str, dict[str, tuple[int, Decimal]]]:
    """Per financial stratifier: currency -> (tasks in the stratum, its score)."""
    found = {}
    for stratifier in group["stratifier"]:
        code = stratifier["code"][0]["coding"][0]["code"]
        if code not in FINANCIAL:
            continue
        strata = {}
        for stratum in stratifier.get("stratum", []):
            [currency] = stratum["value"]["coding"]
            assert currency["system"] == "urn:iso:std:iso:4217"
            score = stratum["measureScore"]
            assert (score["code"], score["unit"]) == (currency["code"], currency["code"])
            [population] = stratum["population"]
            assert population["code"]["coding"][0]["code"] == "tasks-financial"
            strata[currency["code"]] = (population["count"], score["value"])
        found[code] = strata
    return found


def tasks_financial(group: dict[str, Any]) -> int:
    [count] = [
        p["count"]
        for p in group["population"]
        if p["code"]["coding"][0]["code"] == "tasks-financial"
    ]
    return int(count)


def test_json_report_of_the_shipped_examples():
    report = json_report(str(EXAMPLES))
    assert report["skipped"] == []
    per = financial_by_program(report)
    assert per[WORKERS_COMP] == {"tasks": 2, "by_currency": {"USD": CM_2022_USD}}
    assert {p: f for p, f in per.items() if p != WORKERS_COMP} == dict.fromkeys(
        (p.value for p in ProgramType if p.value != WORKERS_COMP), NOTHING
    )
    # All programs together: the same two tasks.
    assert report["total"]["financial"] == {"tasks": 2, "by_currency": {"USD": CM_2022_USD}}


def test_json_report_for_one_program_and_a_period_without_the_case():
    report = json_report(str(EXAMPLES), "--program", WORKERS_COMP)
    assert report["total"]["financial"]["by_currency"] == {"USD": CM_2022_USD}
    # CM-2022 opened on 2024-03-11: not in the cohort of 2023, so nothing to total.
    report = json_report(str(EXAMPLES), "--period", "2023-01-01..2023-12-31")
    assert report["total"]["financial"] == NOTHING


def test_fhir_report_of_the_shipped_examples_has_a_usd_stratum_per_amount():
    text, resource = fhir_report(str(EXAMPLES))
    group = group_of(resource, WORKERS_COMP)
    assert tasks_financial(group) == 2
    assert amounts(group) == {
        "financial-billed": {"USD": (2, Decimal("50900.00"))},
        "financial-negotiated": {"USD": (2, Decimal("33325.00"))},
        "financial-savings": {"USD": (2, Decimal("17575.00"))},
    }
    # Written exactly as computed: two decimal places, never a float's digits.
    for value in ("50900.00", "33325.00", "17575.00"):
        assert f'"value": {value},' in text
    for program in ProgramType:
        if program.value != WORKERS_COMP:
            other = group_of(resource, program.value)
            assert tasks_financial(other) == 0
            assert amounts(other) == {code: {} for code in FINANCIAL}


def test_two_currencies_are_two_totals_never_one(tmp_path: Path):
    # CM-2022 (USD T-2 48500.00/31525.00, USD T-3 2400.00/1800.00) and CM-2022-EU (EUR T-2
    # 18250.50/15000.25, USD T-3 2400.00/1800.00):
    #   USD: 3 tasks, billed 48500.00 + 2400.00 + 2400.00 = 53300.00,
    #        negotiated 31525.00 + 1800.00 + 1800.00 = 35125.00, savings 18175.00
    #   EUR: 1 task, billed 18250.50, negotiated 15000.25, savings 3250.25
    folder = write_cases(tmp_path / "cases", example_data("CM-2022"), euro_negotiation())
    usd = {"tasks": 3, "billed": "53300.00", "negotiated": "35125.00", "savings": "18175.00"}
    eur = {"tasks": 1, "billed": "18250.50", "negotiated": "15000.25", "savings": "3250.25"}
    report = json_report(str(folder))
    expected = {"tasks": 4, "by_currency": {"EUR": eur, "USD": usd}}
    assert financial_by_program(report)[WORKERS_COMP] == expected
    assert report["total"]["financial"] == expected

    text, resource = fhir_report(str(folder))
    assert amounts(group_of(resource, WORKERS_COMP)) == {
        "financial-billed": {"EUR": (1, Decimal("18250.50")), "USD": (3, Decimal("53300.00"))},
        "financial-negotiated": {
            "EUR": (1, Decimal("15000.25")),
            "USD": (3, Decimal("35125.00")),
        },
        "financial-savings": {"EUR": (1, Decimal("3250.25")), "USD": (3, Decimal("18175.00"))},
    }
    # The sums across currencies (billed 71550.50, negotiated 50125.25, savings 21425.25)
    # appear nowhere.
    for mixed in ("71550.5", "50125.25", "21425.25"):
        assert mixed not in text
        assert mixed not in json.dumps(report)


@pytest.mark.parametrize("fmt", ["json", "fhir"])
def test_bad_amounts_skip_their_case_by_name_and_field_the_rest_is_reported(
    tmp_path: Path, fmt: str
):
    folder = write_cases(
        tmp_path / "cases", example_data("CM-2022"), without_currency(), word_for_amount()
    )
    stdout, stderr = run_report(str(folder), "--format", fmt, exit_code=1)
    assert "skipped case CM-2022-NOCUR: tasks[2].financial.currency: Field required" in stderr
    assert "skipped case CM-2022-WORDS: tasks[1].financial.billed: " in stderr
    assert WORD_AMOUNT not in stderr + stdout
    if fmt == "json":
        report = json.loads(stdout)
        assert {s["record"]: s["reason"].split(":")[0] for s in report["skipped"]} == {
            "case CM-2022-NOCUR": "tasks[2].financial.currency",
            "case CM-2022-WORDS": "tasks[1].financial.billed",
        }
        # Only CM-2022 itself is counted: the hand-computed USD totals.
        assert report["cases_read"] == 1
        assert report["total"]["financial"] == {"tasks": 2, "by_currency": {"USD": CM_2022_USD}}
    else:
        resource = json.loads(stdout, parse_float=Decimal)
        billed = amounts(group_of(resource, WORKERS_COMP))["financial-billed"]
        assert billed == {"USD": (2, Decimal("50900.00"))}


def html_report(folder: Path, out: Path) -> tuple[str, bytes]:
    """``adapter report FOLDER --format html --out OUT``: the page and the PNG beside it."""
    run_report(str(folder), "--format", "html", "--out", str(out))
    return out.read_text(encoding="utf-8"), out.with_suffix(".png").read_bytes()


def section(page: str) -> str:
    """The page's financial section: from its heading to the next one."""
    start = page.index('<h2 id="financial">')
    return page[start : page.index("<h2>", start)]


def png_size(picture: bytes) -> tuple[int, int]:
    assert picture[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", picture[16:24])
    return width, height


def test_html_and_png_show_the_financial_results_of_the_examples(tmp_path: Path):
    page, picture = html_report(EXAMPLES, tmp_path / "report.html")
    financial = section(page)
    # One chart (USD, the only currency), its bars labelled with the exact amounts.
    assert financial.count("<svg ") == 1
    assert "Financial results in USD" in financial
    for amount in ("50,900.00", "33,325.00", "17,575.00"):
        assert f">{amount}</text>" in financial
    # The table: a row for the program and one for all programs, same numbers (CM-2022 only).
    row = "<td>USD</td><td>2</td><td>50,900.00</td><td>33,325.00</td><td>17,575.00</td>"
    assert f"<tr><td>Workers compensation</td>{row}</tr>" in financial
    assert f"<tr><td>All</td>{row}</tr>" in financial
    assert page.count("<svg ") == 7  # the six charts of every report, and this one
    # The picture: the four main charts and the USD chart, two to a row.
    assert png_size(picture) == (1300, 1275)


def test_html_keeps_each_currency_on_its_own_chart(tmp_path: Path):
    folder = write_cases(tmp_path / "cases", example_data("CM-2022"), euro_negotiation())
    page, picture = html_report(folder, tmp_path / "report.html")
    charts = [c.split("</svg>")[0] for c in section(page).split("<svg ")[1:]]
    assert [re.findall(r'aria-label="([^"]*)"', c)[0] for c in charts] == [
        "Financial results in EUR",
        "Financial results in USD",
    ]
    euro, dollar = charts
    # EUR: 18250.50 / 15000.25 / 3250.25; USD: 53300.00 / 35125.00 / 18175.00 (hand sums above).
    assert all(f">{a}</text>" in euro for a in ("18,250.50", "15,000.25", "3,250.25"))
    assert all(f">{a}</text>" in dollar for a in ("53,300.00", "35,125.00", "18,175.00"))
    assert "18,250.50" not in dollar
    assert "53,300.00" not in euro
    assert png_size(picture) == (1300, 1275)  # 4 + 2 charts, two to a row


def test_html_says_so_when_no_task_records_a_financial_result(tmp_path: Path):
    folder = write_cases(tmp_path / "cases", example_data("CM-2009"))
    page, picture = html_report(folder, tmp_path / "report.html")
    assert "No task of the cohort records a financial result." in section(page)
    assert "<svg " not in section(page)
    assert png_size(picture) == (1300, 850)  # the four main charts only

"""The report as a FHIR MeasureReport (checked with the R4B models), as an HTML page and as
a PNG picture."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fhir.resources.R4B.measure import Measure
from fhir.resources.R4B.measurereport import MeasureReport

from adapter.errors import ConfigError
from adapter.model.codes import ProgramType
from adapter.profiles import load_package
from adapter.reports import definitions, png
from adapter.reports.charts import report_charts
from adapter.reports.html import report_html
from adapter.reports.measure_report import measure_report
from adapter.reports.period import ReportPeriod
from adapter.reports.report import ProgramReport, build_report
from adapter.reports.sources import cases_from_files
from adapter.reports.svg import chart_svg
from tests.support.casefiles import hand_counted_files

MADE = datetime(2024, 7, 15, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def report() -> ProgramReport:
    found = cases_from_files(hand_counted_files())
    return build_report(found.cases, period=ReportPeriod(), program=None, generated_at=MADE)


def population(element: dict[str, Any], code: str) -> int:
    [found] = [p["count"] for p in element["population"] if p["code"]["coding"][0]["code"] == code]
    return int(found)


def test_measure_report_is_a_valid_r4_summary_with_a_group_per_program(report):
    resource = measure_report(report)
    MeasureReport.model_validate(resource)
    assert (resource["type"], resource["status"]) == ("summary", "complete")
    assert resource["measure"] == definitions.MEASURE_URL
    # No period given: from the first case opened (CM-2009, 2023-09-01) to the report's day.
    assert resource["period"] == {"start": "2023-09-01", "end": "2024-07-15"}
    programs = [g["code"]["coding"][0]["code"] for g in resource["group"]]
    assert programs == [p.value for p in ProgramType]


def test_measure_report_numbers_are_the_report_numbers(report):
    [complex_care] = [
        g
        for g in measure_report(report)["group"]
        if g["code"]["coding"][0]["code"] == "complex-care"
    ]
    assert population(complex_care, "initial-population") == 7
    assert population(complex_care, "goals-achieved") == 3
    assert population(complex_care, "goals-achieved-on-time") == 1
    assert population(complex_care, "tasks") == 14
    strata = {
        s["code"][0]["coding"][0]["code"]: s.get("stratum", []) for s in complex_care["stratifier"]
    }
    closed = {
        s["value"]["coding"][0]["code"]: population(s, "cases-closed")
        for s in strata["closure-reason"]
    }
    assert {reason for reason, n in closed.items() if n} == {
        "goals-achieved",
        "coverage-change",
        "deceased",
    }
    first_contact = strata["days-from-referral"][0]
    assert first_contact["measureScore"] == {
        "value": 4.5, "unit": "days", "system": "http://unitsofmeasure.org", "code": "d"
    }  # fmt: skip
    assert population(first_contact, "cases-measured") == 6
    ed = {
        s["value"]["coding"][0]["code"]: s["measureScore"]["value"] for s in strata["utilization"]
    }
    assert (ed["ed-visits-baseline"], ed["ed-visits-follow-up"]) == (3, 1)  # CM-2001


def test_every_code_the_measure_report_uses_is_in_the_package(report):
    package = load_package()
    Measure.model_validate(package.by_url(definitions.MEASURE_URL))
    system = package.by_url(definitions.CODE_SYSTEM)
    defined = {c["code"] for c in system["concept"]}
    used = set()
    for group in measure_report(report)["group"]:
        codings = [p["code"]["coding"][0] for p in group["population"]]
        for stratifier in group["stratifier"]:
            codings.append(stratifier["code"][0]["coding"][0])
            for stratum in stratifier.get("stratum", []):
                codings += [p["code"]["coding"][0] for p in stratum["population"]]
                codings.append(stratum["value"]["coding"][0])
        used |= {c["code"] for c in codings if c["system"] == definitions.CODE_SYSTEM}
    assert used <= defined
    assert used >= set(definitions.POPULATIONS) | set(definitions.STRATIFIERS)


def test_each_group_matches_its_measure_group(report):
    """What HAPI checks when it resolves the Measure: each group's code, population codes and
    stratifier codes are those of the Measure's group for that program (financial ones too)."""

    def codes(element: dict[str, Any]) -> dict[str, list[str]]:
        return {
            "population": [p["code"]["coding"][0]["code"] for p in element["population"]],
            "stratifier": [
                (s["code"][0] if isinstance(s["code"], list) else s["code"])["coding"][0]["code"]
                for s in element["stratifier"]
            ],
        }

    measure = load_package().by_url(definitions.MEASURE_URL)
    defined = {g["code"]["coding"][0]["code"]: codes(g) for g in measure["group"]}
    reported = {g["code"]["coding"][0]["code"]: codes(g) for g in measure_report(report)["group"]}
    assert reported == defined
    assert "tasks-financial" in defined["complex-care"]["population"]
    assert defined["complex-care"]["stratifier"][-3:] == [
        "financial-billed", "financial-negotiated", "financial-savings"
    ]  # fmt: skip


def test_open_period_ends_come_from_the_given_end(report):
    found = cases_from_files(hand_counted_files())
    one_end = build_report(
        found.cases, period=ReportPeriod(None, date(2024, 3, 31)), program=ProgramType.MATERNITY,
        generated_at=MADE,
    )  # fmt: skip
    resource = measure_report(one_end)
    assert resource["period"] == {"start": "2023-09-01", "end": "2024-03-31"}
    assert [g["code"]["coding"][0]["code"] for g in resource["group"]] == ["maternity"]


def test_html_page_is_self_contained_with_a_chart_per_measure_group(report):
    page = report_html(report)
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page
    # Nothing is loaded from anywhere: the only URL is the SVG namespace.
    assert "src=" not in page
    assert "<link" not in page
    assert page.count("<svg ") == len(report_charts(report)) == 6
    assert "Cases per program" in page
    assert "Goals per program" in page


def test_each_chart_is_well_formed_svg_with_its_numbers(report):
    for chart in report_charts(report):
        root = ET.fromstring(chart_svg(chart))
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        widths = [float(r.get("width", "0")) for r in root.iter("{http://www.w3.org/2000/svg}rect")]
        assert all(0 <= w <= 640 for w in widths)
    cases = chart_svg(report_charts(report)[0])
    assert "Complex care" in cases
    assert ">7</text>" in cases  # complex-care has 7 cases in all


def test_png_is_a_picture(report):
    picture = png.report_png(report)
    assert picture[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", picture[16:24])
    assert (width, height) == (1300, 850)


def test_png_without_matplotlib_is_a_clear_config_error(report, monkeypatch):
    monkeypatch.setattr(png, "png_available", lambda: False)
    with pytest.raises(ConfigError, match=r"cm-fhir-adapter\[charts\]"):
        png.report_png(report)

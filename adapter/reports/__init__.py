"""Program evaluation (CMSA step 4, Standard O): measures per program and period, computed
from cases, and their renderings.

Rooms, one noun each:
- ``period.py``: the reporting period (``FROM..TO``).
- ``facts.py``: what one case says (first contact, when a goal was reached, recorded use).
- ``domains.py``: the Standard O outcome domains.
- ``measures.py``: the measures of one program; ``report.py``: the report and its JSON.
- ``financial.py``: the financial results of tasks, totalled per currency (exact decimals).
- ``definitions.py``: the Measure and CodeSystem kept in ``profiles/`` (its financial part in
  ``financial_definitions.py``); ``measure_report.py``: the report as a FHIR MeasureReport.
- ``charts.py`` (the charts as data; ``financial_charts.py``: one per currency), ``svg.py``,
  ``html.py`` (the page), ``png.py`` (the picture).
- ``sources.py``: cases from case files or the case store.

Everything but ``sources.py`` is pure: no I/O, no clock (the report's time is passed in).
"""

from adapter.reports.html import report_html
from adapter.reports.measure_report import measure_report
from adapter.reports.period import ReportPeriod, parse_period
from adapter.reports.png import png_available, report_png
from adapter.reports.report import ProgramReport, Skipped, build_report
from adapter.reports.sources import CaseSet, cases_from_files, cases_from_store

__all__ = [
    "CaseSet",
    "ProgramReport",
    "ReportPeriod",
    "Skipped",
    "build_report",
    "cases_from_files",
    "cases_from_store",
    "measure_report",
    "parse_period",
    "png_available",
    "report_html",
    "report_png",
]

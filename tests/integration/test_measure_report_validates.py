"""The program evaluation Measure, and the MeasureReport of the examples, validate on the real
HAPI: no errors.

The report's Measure and its code system are loaded first. HAPI 8.8's validator checks the
MeasureReport against the R4 definition and the code systems it knows (task-status, UCUM, ...);
it does not resolve a Measure by its canonical URL (a warning says so), so the report's codes
are checked against the package's Measure by tests/unit/reports/test_renderings.py."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from adapter import canonical
from adapter.profiles import load_package
from adapter.reports import definitions
from adapter.reports.measure_report import measure_report
from adapter.reports.period import ReportPeriod
from adapter.reports.report import build_report
from adapter.reports.sources import cases_from_files
from tests.integration.validation_support import FHIR_JSON, describe, errors, validate
from tests.support.casefiles import EXAMPLES

pytestmark = pytest.mark.integration

# Only the report's own artifacts are loaded: the server's other code systems are left as the
# profile tests load them (on a shared server another branch may hold newer ones).
REFERENCED = [
    definitions.CODE_SYSTEM,
    canonical.value_set("program-evaluation"),
    definitions.MEASURE_URL,
]


def _load_referenced(client: httpx.Client) -> None:
    package = load_package()
    for url in REFERENCED:
        artifact = package.by_url(url)
        path = f"{artifact['resourceType']}/{artifact['id']}"
        answer = client.put(path, content=json.dumps(artifact))
        assert answer.status_code in (200, 201), (path, answer.text[:2000])


def _client(fhir_base_url: str) -> httpx.Client:
    headers = {"Accept": FHIR_JSON, "Content-Type": FHIR_JSON}
    return httpx.Client(base_url=fhir_base_url + "/", headers=headers, timeout=120)


def test_the_measure_itself_has_no_errors_on_hapi(fhir_base_url: str) -> None:
    """Its criteria are FHIRPath, a language R4 knows (text/plain gave one error each)."""
    measure = load_package().by_url(definitions.MEASURE_URL)
    languages = {p["criteria"]["language"] for g in measure["group"] for p in g["population"]}
    assert languages == {"text/fhirpath"}
    with _client(fhir_base_url) as client:
        _load_referenced(client)
        issues = validate(client, measure, None)
    assert errors(issues) == [], [describe(i) for i in errors(issues)]


def test_measure_report_of_the_examples_has_no_errors_on_hapi(fhir_base_url: str) -> None:
    found = cases_from_files([EXAMPLES])
    made = datetime(2024, 7, 15, 12, 0, tzinfo=UTC)
    report = build_report(found.cases, period=ReportPeriod(), program=None, generated_at=made)
    resource = measure_report(report)
    with _client(fhir_base_url) as client:
        _load_referenced(client)
        issues = validate(client, resource, None)
    assert errors(issues) == [], [describe(i) for i in errors(issues)]

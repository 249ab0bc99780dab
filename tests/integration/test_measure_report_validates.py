"""The program evaluation MeasureReport of the examples validates on the real HAPI: no errors.

The Measure and the code systems it names are loaded first. HAPI 8.8's validator checks the
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

# What the MeasureReport names: its Measure, and the code systems of its codings (with their
# value sets). Only these are loaded, so the test leaves the server's other artifacts alone.
REFERENCED = [
    canonical.code_system(name)
    for name in ("program-type", "case-closure-reason", "outcome-domain", "program-evaluation")
]
REFERENCED += [url.replace("/CodeSystem/", "/ValueSet/") for url in REFERENCED]
REFERENCED.append(definitions.MEASURE_URL)


def test_measure_report_of_the_examples_has_no_errors_on_hapi(fhir_base_url: str) -> None:
    package = load_package()
    found = cases_from_files([EXAMPLES])
    made = datetime(2024, 7, 15, 12, 0, tzinfo=UTC)
    report = build_report(found.cases, period=ReportPeriod(), program=None, generated_at=made)
    resource = measure_report(report)
    headers = {"Accept": FHIR_JSON, "Content-Type": FHIR_JSON}
    with httpx.Client(base_url=fhir_base_url + "/", headers=headers, timeout=120) as client:
        for url in REFERENCED:
            artifact = package.by_url(url)
            path = f"{artifact['resourceType']}/{artifact['id']}"
            answer = client.put(path, content=json.dumps(artifact))
            assert answer.status_code in (200, 201), (path, answer.text[:2000])
        issues = validate(client, resource, None)
    assert errors(issues) == [], [describe(i) for i in errors(issues)]

"""The program evaluation Measure, and the MeasureReport ``adapter report --format fhir`` writes
for the examples, validate on the real HAPI: no errors.

The report's Measure and its code system are loaded first, and read back: when HAPI resolves the
report's Measure by its canonical URL, it checks every group, population and stratifier code of
the report against it, so a Measure left on a shared server by another checkout (one without
the financial stratifiers, say) gives errors ("The code for this group stratifier has no match
in the measure definition"); the last test shows that check at work. The report's codes are
also checked against the package's Measure without a server (tests/unit/reports)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from adapter import canonical
from adapter.cli import app
from adapter.fhir.json_body import loads
from adapter.profiles import load_package
from adapter.reports import definitions
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
        # What the server now holds is this checkout's artifact, not an older one.
        held = client.get(path).json()
        assert {key: held.get(key) for key in artifact} == artifact, path


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


def written_report(tmp_path: Path) -> dict[str, Any]:
    """What ``adapter report examples/cases --format fhir --out FILE`` writes, decimals exact."""
    out = tmp_path / "report.fhir.json"
    result = CliRunner().invoke(
        app, ["report", str(EXAMPLES), "--format", "fhir", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    resource: dict[str, Any] = loads(out.read_bytes())
    return resource


def test_measure_report_of_the_examples_has_no_errors_on_hapi(
    fhir_base_url: str, tmp_path: Path
) -> None:
    resource = written_report(tmp_path)
    # The financial strata are there to be checked (CM-2022: USD 50900.00 billed).
    text = json.dumps(resource, default=str)
    assert "financial-billed" in text
    assert "50900.00" in text
    with _client(fhir_base_url) as client:
        _load_referenced(client)
        issues = validate(client, resource, None)
    assert errors(issues) == [], [describe(i) for i in errors(issues)]


def test_a_measure_without_the_financial_codes_fails_the_report(
    fhir_base_url: str, tmp_path: Path
) -> None:
    """The report checked against a Measure that lacks the financial population and
    stratifiers (as the Measure before them did), stored under a throwaway URL: one error per
    program for the population, three for the stratifiers."""
    resource = written_report(tmp_path)
    older = load_package().by_url(definitions.MEASURE_URL)
    mark = uuid.uuid4().hex[:12]
    older = {**older, "id": f"cm-program-evaluation-{mark}", "url": f"{older['url']}-{mark}"}
    financial = {"tasks-financial", "financial-billed", "financial-negotiated", "financial-savings"}
    for group in older["group"]:
        for part in ("population", "stratifier"):
            group[part] = [p for p in group[part] if _code(p) not in financial]
    resource["measure"] = older["url"]
    with _client(fhir_base_url) as client:
        answer = client.put(f"Measure/{older['id']}", content=json.dumps(older))
        assert answer.status_code in (200, 201), answer.text[:2000]
        try:
            issues = validate(client, resource, None)
        finally:
            client.delete(f"Measure/{older['id']}")
    said = [i.get("diagnostics", "") for i in errors(issues)]
    programs = len(resource["group"])
    assert sum("group population has no match" in d for d in said) == programs
    assert sum("group stratifier has no match" in d for d in said) == 3 * programs
    assert len(said) == 4 * programs, said


def _code(element: dict[str, Any]) -> str:
    code: str = element["code"]["coding"][0]["code"]
    return code

"""Both documents of example cases validate on the real HAPI (``Bundle/$validate``): no errors.

The package in profiles/ is loaded first, so the resources inside are checked against the
profiles they claim. A document that lost an entry it references must fail, which shows the
server really checks what it is sent. PACIO Transitions of Care itself cannot be loaded here
(its package is on no registry this project reaches): docs/documents.md says what follows it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from adapter.cli import app
from adapter.fhir import json_body
from adapter.mappings.documents import DocumentKind, case_document
from adapter.model import parse_case
from tests.integration.validation_support import describe, errors, package_server
from tests.support.casefiles import example_data

pytestmark = pytest.mark.integration

# A plan with assessments, two behavioral cases, one just referred (no case manager, no plan),
# closed ones, settings with money and a guardian.
EXAMPLES = ("CM-2001", "CM-2005", "CM-2008", "CM-2013", "CM-2016", "CM-2022", "CM-2025")


@pytest.fixture(scope="module")
def server(fhir_base_url: str) -> Iterator[httpx.Client]:
    with package_server(fhir_base_url, timeout=300) as client:
        yield client


def _issues(client: httpx.Client, bundle: dict[str, Any]) -> list[dict[str, Any]]:
    answer = client.post("Bundle/$validate", content=json_body.dumps(bundle))
    assert answer.status_code in (200, 412), answer.text[:2000]
    outcome = answer.json()
    assert outcome["resourceType"] == "OperationOutcome"
    return list(outcome.get("issue", []))


@pytest.mark.parametrize("kind", list(DocumentKind))
@pytest.mark.parametrize("prefix", EXAMPLES)
def test_document_of_example_case_has_no_errors_on_hapi(server, fhir_base_url, prefix, kind):
    case = parse_case(example_data(prefix))
    bundle = case_document(case, kind, base_url=fhir_base_url)
    found = errors(_issues(server, bundle))
    assert found == [], [describe(i) for i in found]


def test_namespaced_transition_document_has_no_errors_on_hapi(server, fhir_base_url):
    case = parse_case(example_data("CM-2002"))
    bundle = case_document(
        case, DocumentKind.TRANSITION, base_url=fhir_base_url, namespace="doc-validate"
    )
    found = errors(_issues(server, bundle))
    assert found == [], [describe(i) for i in found]


def test_a_document_missing_its_patient_is_refused(server, fhir_base_url):
    case = parse_case(example_data("CM-2001"))
    bundle = case_document(case, DocumentKind.TRANSITION, base_url=fhir_base_url)
    bundle["entry"] = [e for e in bundle["entry"] if e["resource"]["resourceType"] != "Patient"]
    found = errors(_issues(server, bundle))
    assert any("Patient/" in i.get("diagnostics", "") for i in found), found


def test_pushing_a_closed_case_writes_its_document_which_validates(
    server, fhir_base_url, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """ADAPTER_DOCUMENTS_ON_CLOSE on a real push: the closed case lands and its transition
    document, written beside it, has the namespace the push used and no errors on HAPI."""
    namespace = f"it-{uuid.uuid4().hex[:12]}"
    for name, value in {
        "ADAPTER_FHIR_BASE_URL": fhir_base_url,
        "ADAPTER_LEDGER_URL": f"sqlite:///{tmp_path / 'ledger.sqlite'}",
        "ADAPTER_NAMESPACE": namespace,
        "ADAPTER_DOCUMENTS_ON_CLOSE": "transition",
        "ADAPTER_DOCUMENTS_DIR": str(tmp_path / "documents"),
    }.items():
        monkeypatch.setenv(name, value)
    cases = tmp_path / "cases"
    cases.mkdir()
    for prefix in ("CM-2001", "CM-2016"):  # active, closed (transferred)
        (cases / f"{prefix}.json").write_text(json.dumps(example_data(prefix)))
    result = CliRunner().invoke(app, ["push", str(cases)])
    assert result.exit_code == 0, result.output
    [written] = (tmp_path / "documents").iterdir()
    assert written.name.startswith("CM-2016.transition.")
    bundle = json_body.loads(written.read_bytes())
    patient = next(e for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    assert namespace in json.dumps(patient["resource"]["meta"])
    landed = server.get(patient["fullUrl"].removeprefix(fhir_base_url.rstrip("/") + "/"))
    assert landed.status_code == 200  # the fullUrl is where the push put the Patient
    found = errors(_issues(server, bundle))
    assert found == [], [describe(i) for i in found]

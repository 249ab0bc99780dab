"""Both documents of example cases validate on the real HAPI (``Bundle/$validate``): no errors.

The package in profiles/ is loaded first, so the resources inside are checked against the
profiles they claim. A document that lost an entry it references must fail, which shows the
server really checks what it is sent. PACIO Transitions of Care itself cannot be loaded here
(its package is on no registry this project reaches): docs/documents.md says what follows it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

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

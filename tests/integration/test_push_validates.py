"""Valid on the wire: what ``adapter push`` really writes conforms to profiles/.

The package is loaded into the real HAPI, every example case is pushed under a fresh namespace
through the CLI (the path users run), every resource the mapping says was written is read back
from the server, and each is ``$validate``d against the profile in its ``meta.profile`` (the base
resource when it claims none): no errors. Warnings are printed with their counts. The namespace
is cleaned afterwards with ``adapter sandbox clean``.

A decimal pushed as ``21000.00`` is read back from the server with its two decimal places.
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

from adapter.canonical import DEFAULT_IDENTIFIER_BASE
from adapter.cli import app
from adapter.fhir import json_body
from adapter.mappings.namespace import namespaces_of
from adapter.mappings.record_kind import RECORD_KIND
from tests.integration.push_support import EXAMPLES, expected_resources, fresh_cases
from tests.integration.validation_support import FHIR_JSON, ValidationTally, upload_package

pytestmark = pytest.mark.integration

CASES = [json.loads(path.read_text()) for path in sorted(EXAMPLES.glob("*.json"))]


@pytest.fixture(scope="module")
def server(fhir_base_url: str) -> Iterator[httpx.Client]:
    headers = {"Accept": FHIR_JSON, "Content-Type": FHIR_JSON}
    with httpx.Client(base_url=fhir_base_url + "/", headers=headers, timeout=120) as client:
        upload_package(client)
        yield client


@pytest.fixture
def namespace(fhir_base_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh namespace and ledger for the CLI; its resources are cleaned up afterwards."""
    name = f"wire-{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("ADAPTER_FHIR_BASE_URL", fhir_base_url)
    monkeypatch.setenv("ADAPTER_LEDGER_URL", f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    monkeypatch.setenv("ADAPTER_NAMESPACE", name)
    yield name
    result = CliRunner().invoke(app, ["sandbox", "clean", "--json"])
    assert result.exit_code == 0, result.output


def _read_back(client: httpx.Client, expected: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for resource in expected:
        answer = client.get(f"{resource['resourceType']}/{resource['id']}")
        assert answer.status_code == 200, (resource["resourceType"], answer.status_code)
        found.append(answer.json())
    return found


@pytest.mark.parametrize("base", [None, "https://ehr.example.org/identifiers/case-management"])
def test_a_namespaced_push_of_every_example_validates_against_the_profiles(
    server: httpx.Client, namespace: str, base: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if base is not None:  # a production identifier base: the profiles slice on type, not system
        monkeypatch.setenv("ADAPTER_IDENTIFIER_BASE", base)
    result = CliRunner().invoke(app, ["push", str(EXAMPLES)])
    assert result.exit_code == 0, result.output
    assert f"{len(CASES)} written, 0 unchanged, 0 failed" in result.output

    expected = expected_resources(CASES, namespace)
    written = _read_back(server, expected)
    # The configuration under test really is the namespaced one, on every resource.
    assert all(namespaces_of(resource) == {namespace} for resource in written)
    systems = {
        i["system"]
        for r in written
        for i in r.get("identifier", [])
        if (i.get("type") or {}).get("coding", [{}])[0].get("system") == RECORD_KIND
    }
    assert systems
    assert all(s.startswith(f"{base or DEFAULT_IDENTIFIER_BASE}/{namespace}/") for s in systems)
    assert sum("cm-" in p for r in written for p in r.get("meta", {}).get("profile", [])) > 100

    tally = ValidationTally()
    tally.check(server, written)
    print("\n" + tally.report(f"namespaced push of {len(CASES)} example cases"))
    assert tally.resources == len(expected)
    assert tally.errors == []


def test_a_decimal_comes_back_from_the_server_with_the_digits_it_was_given(
    server: httpx.Client, namespace: str, tmp_path: Path
) -> None:
    (case,) = fresh_cases(1)  # CM-2001, whose first outcome is a measured value
    case["outcomes"][0]["value"] = "@"
    folder = tmp_path / "cases"
    folder.mkdir()
    (folder / "case.json").write_text(json.dumps(case).replace('"@"', "21000.00"))
    case["outcomes"][0]["value"] = "21000.00"
    result = CliRunner().invoke(app, ["push", str(folder)])
    assert result.exit_code == 0, result.output

    (outcome,) = [
        r
        for r in expected_resources([case], namespace)
        if r.get("identifier", [{}])[0].get("value", "").endswith(f"/{case['outcomes'][0]['id']}")
    ]
    answer = server.get(f"Observation/{outcome['id']}")
    assert answer.status_code == 200
    assert b'"value": 21000.00' in answer.content or b'"value":21000.00' in answer.content
    assert str(json_body.loads(answer.content)["valueQuantity"]["value"]) == "21000.00"

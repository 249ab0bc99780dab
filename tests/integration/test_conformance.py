"""``adapter conformance`` on real HAPIs: the US edition of every example passes US Core 6.1.0
and the adapter's profiles on the HAPI that holds them (0 errors), and the check is not
vacuous: the server enforces the claimed profiles, and a server without the guides fails
every profile it does not know.
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
from adapter.mappings.bundle import case_to_resources
from adapter.mappings.namespace import tag_token
from adapter.mappings.us_core import US_PROFILES
from adapter.mappings.us_provenance import write_provenance
from adapter.model.validation import parse_case
from adapter.realm import set_realm
from tests.integration.push_support import EXAMPLES
from tests.integration.validation_support import (
    FHIR_JSON,
    ValidationTally,
    describe,
    errors,
    validate,
)

pytestmark = [pytest.mark.integration, pytest.mark.guides]

CASES = [json.loads(path.read_text()) for path in sorted(EXAMPLES.glob("*.json"))]


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADAPTER_LEDGER_URL", f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    monkeypatch.delenv("ADAPTER_REALM", raising=False)


@pytest.fixture(scope="module")
def guides(guides_fhir_url: str) -> Iterator[httpx.Client]:
    headers = {"Accept": FHIR_JSON, "Content-Type": FHIR_JSON}
    with httpx.Client(base_url=guides_fhir_url + "/", headers=headers, timeout=120) as client:
        yield client


def _run(*args: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(app, ["conformance", *args, "--json"])
    assert result.stdout.strip(), (result.exit_code, result.output[-3000:], result.exception)
    return result.exit_code, json.loads(result.stdout)


def test_the_us_edition_of_every_example_passes_us_core_and_the_adapter_profiles(
    guides_fhir_url: str, cli_env: None
) -> None:
    code, report = _run("--realm", "us", "--server", guides_fhir_url)
    # Each case's resources and the Provenance of the push that writes them.
    expected = sum(len(case_to_resources(parse_case(c), realm="us")) + 1 for c in CASES)
    assert (report["cases"], report["resources"]) == (len(CASES), expected)
    failed = [p for p in report["profiles"] if p["failed"]]
    assert failed == [], json.dumps(failed, indent=2)[:4000]
    assert (code, report["errors"], report["ok"]) == (0, 0, True)
    passed = {p["profile"]: p["passed"] for p in report["profiles"]}
    # Every profile the US edition claims was really checked, on some resource.
    claimed = {url for claims in US_PROFILES.values() for url in claims}
    assert claimed <= set(passed)
    assert all(passed[url] > 0 for url in claimed)
    guides = {p["guide"] for p in report["profiles"]}
    assert {"US Core 6.1.0", "cm-adapter"} <= guides


def test_re_served_imported_data_names_its_source_and_the_transmitter_and_passes(
    guides: httpx.Client,
    guides_fhir_url: str,
    cli_env: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A case imported from another server (``origin``): the Provenance of its push passes
    us-core-provenance with the source's organization as author, the configured organization
    as transmitter and each resource read there as a source entity."""
    case = json.loads(json.dumps(CASES[0]))
    case["origin"] = {
        "server": "https://payer.example/fhir",
        "organization": "Organization/payer-1",
        "resources": [{"resource": "CarePlan/7", "version": "3"}, {"resource": "Goal/8"}],
    }
    path = tmp_path / "imported.json"
    path.write_text(json.dumps(case))
    monkeypatch.setenv("ADAPTER_ORGANIZATION", "Organization/cm-organization-of-us")
    code, report = _run(str(path), "--realm", "us", "--server", guides_fhir_url)
    assert (code, report["errors"], report["ok"]) == (0, 0, True), json.dumps(report)[:4000]
    provenance = next(
        p for p in report["profiles"] if str(p["profile"]).endswith("us-core-provenance")
    )
    assert provenance["passed"] >= 1

    # The same Provenance, validated alone: the transmitter slice is there and passes.
    body = write_provenance(
        parse_case(case), ["Task/x"], version="v", recorded="2026-12-06T00:00:00Z",
        organization="Organization/o",
    )  # fmt: skip
    assert [a["type"]["coding"][0]["code"] for a in body["agent"]] == ["author", "transmitter"]
    assert errors(validate(guides, body, body["meta"]["profile"][0])) == []


def test_the_server_enforces_what_the_us_edition_claims(guides: httpx.Client) -> None:
    """A CarePlan without its narrative, or with another intent, fails cm-us-careplan; a
    Practitioner without a family name fails US Core's profile."""
    resources = case_to_resources(parse_case(CASES[0]), realm="us")
    plan = next(r for r in resources if r["resourceType"] == "CarePlan")
    broken = {k: v for k, v in plan.items() if k != "text"} | {"intent": "proposal"}
    us_core, cm_us = plan["meta"]["profile"]
    found = [describe(i) for i in errors(validate(guides, broken, cm_us))]
    assert any("CarePlan.text: minimum required = 1" in line for line in found), found
    assert any("CarePlan.intent" in line and "fixed to 'plan'" in line for line in found), found
    assert errors(validate(guides, plan, cm_us)) == errors(validate(guides, plan, us_core)) == []
    person = next(r for r in resources if r["resourceType"] == "Practitioner")
    nameless = person | {"name": [{"text": person["name"][0]["text"]}]}
    profile = person["meta"]["profile"][0]
    found = [describe(i) for i in errors(validate(guides, nameless, profile))]
    assert len(found) == 1, found
    assert "Practitioner.name.family: minimum required = 1" in found[0]


def test_a_server_without_the_guides_fails_every_profile_it_does_not_know(
    fhir_base_url: str, cli_env: None
) -> None:
    """The main test HAPI holds no US Core: every US Core profile fails, exit 1, no vacuous
    pass (HAPI alone would validate against an unknown profile without a word)."""
    first = sorted(EXAMPLES.glob("*.json"))[0]
    code, report = _run(str(first), "--realm", "us", "--server", fhir_base_url)
    assert (code, report["ok"]) == (1, False)
    us_core = [p for p in report["profiles"] if p["guide"] == "US Core 6.1.0"]
    assert us_core
    for row in us_core:
        assert row["passed"] == 0
        assert row["failed"] > 0
        assert all("does not know this profile" in line for line in row["errors"])


def test_a_us_edition_push_writes_what_passes_on_the_wire(
    guides: httpx.Client, guides_fhir_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ADAPTER_REALM=us on a real push: ``adapter verify`` finds the server holding what was
    sent, and every resource read back from the server (as the server keeps it, namespaced)
    passes every profile it claims; the namespace is cleaned afterwards."""
    namespace = f"us-{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("ADAPTER_FHIR_BASE_URL", guides_fhir_url)
    monkeypatch.setenv("ADAPTER_LEDGER_URL", f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    monkeypatch.setenv("ADAPTER_NAMESPACE", namespace)
    monkeypatch.setenv("ADAPTER_REALM", "us")
    try:
        result = CliRunner().invoke(app, ["push", str(EXAMPLES)])
        assert result.exit_code == 0, result.output
        # The server keeps what was sent, as it was sent (narrative, profile order included).
        verified = CliRunner().invoke(app, ["verify", "--json"])
        assert verified.exit_code == 0, verified.output
        assert json.loads(verified.stdout)["agrees"] is True
        expected: dict[str, dict[str, Any]] = {}
        for case in CASES:
            for resource in case_to_resources(parse_case(case), namespace=namespace, realm="us"):
                expected[f"{resource['resourceType']}/{resource['id']}"] = resource
        written = []
        for key in expected:
            answer = guides.get(key)
            assert answer.status_code == 200, key
            written.append(answer.json())
        # Plus one Provenance per case: the write of its first push.
        page = guides.get("Provenance", params={"_tag": tag_token(namespace), "_count": 500})
        ours = {key.partition("/")[2] for key in expected}
        writes = [e["resource"] for e in page.json().get("entry", [])]
        writes = [r for r in writes if r["id"] not in ours]
        assert len(writes) == len(CASES)
        written += writes
        claims = [p for r in written for p in r.get("meta", {}).get("profile", [])]
        assert sum("/us/core/" in p for p in claims) > 200
        assert all("text" in r for r in written if r["resourceType"] in ("CarePlan", "Goal"))
        tally = ValidationTally()
        tally.check(guides, written)
        print("\n" + tally.report(f"US edition push of {len(CASES)} example cases"))
        assert tally.resources == len(expected) + len(CASES)
        assert tally.errors == []
        # A re-push of the unchanged cases writes nothing, no Provenance either.
        again = CliRunner().invoke(app, ["push", str(EXAMPLES), "--json"])
        assert again.exit_code == 0, again.output
        assert json.loads(again.stdout)["summary"]["resources_written"] == 0
    finally:
        clean = CliRunner().invoke(app, ["sandbox", "clean", "--json"])
        set_realm(None)  # the CLI set the process-wide realm from ADAPTER_REALM
    assert clean.exit_code == 0, clean.output


US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition"
SDOHCC_TASK = (
    "http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/SDOHCC-TaskForReferralManagement"
)


def test_a_profile_not_claimed_is_tried_on_every_resource_of_its_type(
    guides_fhir_url: str, cli_env: None
) -> None:
    """``--against``: how a claim is earned before it is made. The base edition's Goals pass
    us-core-goal without claiming it; its need Conditions fail us-core-condition-encounter-
    diagnosis (they are no encounter diagnoses), so the run fails, naming each resource; a
    profile of a type nothing is written in fails too (tried on nothing is no pass)."""
    first = str(sorted(EXAMPLES.glob("*.json"))[0])
    goal, diagnosis = f"{US_CORE}/us-core-goal", f"{US_CORE}/us-core-condition-encounter-diagnosis"
    args = ("--realm", "base", "--server", guides_fhir_url)
    immunization = f"{US_CORE}/us-core-immunization"  # a type the adapter never writes
    tried = ("--against", goal, "--against", diagnosis, "--against", immunization)
    code, report = _run(first, *args, *tried)
    rows = {p["profile"]: p for p in report["profiles"]}
    assert (rows[immunization]["passed"], rows[immunization]["failed"]) == (0, 1)
    assert "no resource of this profile's type" in rows[immunization]["errors"][0]
    resources = case_to_resources(parse_case(CASES[0]), realm="base")
    goals = sum(r["resourceType"] == "Goal" for r in resources)
    conditions = sum(r["resourceType"] == "Condition" for r in resources)
    assert goals > 0
    assert conditions > 0
    assert (rows[goal]["claimed"], rows[goal]["passed"], rows[goal]["failed"]) == (False, goals, 0)
    assert (rows[diagnosis]["passed"], rows[diagnosis]["failed"]) == (0, conditions)
    assert all(line.startswith("Condition/") for line in rows[diagnosis]["errors"])
    assert (code, report["ok"]) == (1, False)
    # The claimed profiles are tallied as before, as claimed.
    tried_urls = (goal, diagnosis, immunization)
    assert all(p["claimed"] for p in report["profiles"] if p["profile"] not in tried_urls)


def test_a_guide_the_server_does_not_hold_fails_when_tried(
    guides_fhir_url: str, cli_env: None
) -> None:
    """The guides HAPI holds no Gravity package (none can be had here, tools/ig-packages/
    README.md): trying a Gravity profile fails, it never passes by default."""
    first = str(sorted(EXAMPLES.glob("*.json"))[0])
    args = (first, "--realm", "us", "--server", guides_fhir_url, "--against", SDOHCC_TASK)
    code, report = _run(*args)
    row = next(p for p in report["profiles"] if p["profile"] == SDOHCC_TASK)
    assert (row["guide"], row["claimed"], row["passed"], row["failed"]) == (
        "Gravity SDOHCC", False, 0, 1,
    )  # fmt: skip
    assert "does not know this profile" in row["errors"][0]
    assert (code, report["ok"]) == (1, False)

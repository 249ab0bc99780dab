"""The US realm edition (adapter.mappings.us_core): what it adds, and that it reads back.

Golden pairs for the US edition: tests/golden/us/<name>.fhir.json is what the case
tests/golden/<name>.internal.json maps to with ``realm="us"`` (regenerate with
``UPDATE_GOLDEN=1`` and review the diff by eye, as for the base pairs).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from adapter.fhir.json_body import dumps_text, loads
from adapter.mappings.bundle import bundle_to_case, case_to_bundle, case_to_resources
from adapter.mappings.us_core import ROLE_CODINGS, US_PROFILES
from adapter.model.case import Case
from adapter.model.codes import CareTeamRole
from adapter.model.validation import parse_case
from adapter.realm import us_core_profile

GOLDEN = Path(__file__).parents[2] / "golden"
US_GOLDEN = GOLDEN / "us"
US_NAMES = ["goals-achieved", "hospital-guardian-transfer", "plan-revision-active"]
EXAMPLES = Path(__file__).parents[3] / "examples" / "cases"


def _case(name: str) -> Case:
    return parse_case(json.loads((GOLDEN / f"{name}.internal.json").read_text()))


def _examples() -> list[Case]:
    return [parse_case(json.loads(p.read_text())) for p in sorted(EXAMPLES.glob("*.json"))]


def _of_type(resources: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [r for r in resources if r["resourceType"] == kind]


@pytest.mark.parametrize("name", US_NAMES)
def test_us_edition_maps_to_the_reviewed_bundle(name: str) -> None:
    produced = dumps_text(case_to_bundle(_case(name), realm="us")) + "\n"
    expected = US_GOLDEN / f"{name}.fhir.json"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        expected.write_text(produced, encoding="utf-8")
    assert produced == expected.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", US_NAMES)
def test_reviewed_us_bundle_maps_back_to_the_case(name: str) -> None:
    bundle = loads((US_GOLDEN / f"{name}.fhir.json").read_bytes())
    assert bundle_to_case(bundle) == _case(name)


def test_every_example_reads_back_from_its_us_edition_with_no_new_warning() -> None:
    for case in _examples():
        base: list[str] = []
        us: list[str] = []
        assert bundle_to_case(case_to_resources(case), warnings=base) == case
        assert bundle_to_case(case_to_resources(case, realm="us"), warnings=us) == case
        assert us == base, case.id


def test_the_base_edition_claims_no_us_core_profile_and_the_us_one_claims_both() -> None:
    case = _case("plan-revision-active")
    base = case_to_resources(case)
    us = case_to_resources(case, realm="us")
    assert not [p for r in base for p in r.get("meta", {}).get("profile", []) if "us/core" in p]
    for resource in us:
        claims = US_PROFILES.get(resource["resourceType"])
        if claims is not None:
            assert resource["meta"]["profile"] == sorted(claims)  # as HAPI answers them
    plan = _of_type(us, "CarePlan")[0]
    assert plan["meta"]["profile"] == [
        us_core_profile("us-core-careplan"),
        "https://fhir.cm-adapter.dev/StructureDefinition/cm-us-careplan",
    ]
    # Types US Core has no profile for keep the adapter's own.
    task = _of_type(us, "Task")[0]
    assert task["meta"]["profile"] == ["https://fhir.cm-adapter.dev/StructureDefinition/cm-task"]


def test_the_configured_realm_is_the_default_of_the_mapping(realm_us: None) -> None:
    case = _case("plan-revision-active")
    assert case_to_resources(case) == case_to_resources(case, realm="us")
    assert case_to_resources(case, realm="base") != case_to_resources(case)


def test_narrative_is_generated_and_escaped() -> None:
    data = json.loads((GOLDEN / "plan-revision-active.internal.json").read_text())
    data["plan"]["title"] = 'Plan <b>"A"</b> & more'
    data["plan"]["goals"][0]["description"] = "<script>alert(1)</script>"
    us = case_to_resources(parse_case(data), realm="us")
    plan = _of_type(us, "CarePlan")[0]
    assert plan["text"]["status"] == "generated"
    div = plan["text"]["div"]
    assert div.startswith('<div xmlns="http://www.w3.org/1999/xhtml">')
    assert 'Plan &lt;b&gt;"A"&lt;/b&gt; &amp; more' in div  # text nodes: quotes need no escape
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in div
    assert "<script>" not in div
    for goal in _of_type(us, "Goal"):
        assert goal["text"]["status"] == "generated"
        assert "<script>" not in goal["text"]["div"]


def test_careplan_contributors_are_the_author_the_case_manager_and_an_agreeing_client() -> None:
    case = _case("plan-revision-active")
    assert case.plan is not None
    plan = _of_type(case_to_resources(case, realm="us"), "CarePlan")[0]
    refs = [c["reference"] for c in plan["contributor"]]
    assert len(refs) == len(set(refs))
    assert refs[0].startswith("Practitioner/")
    agreed = any(g.agreed_with_client for g in case.plan.goals)
    assert any(r.startswith("Patient/") for r in refs) == agreed


def test_care_team_roles_carry_a_standard_code_beside_the_local_one() -> None:
    for case in _examples():
        team = _of_type(case_to_resources(case, realm="us"), "CareTeam")
        if not team:
            continue
        for member, participant in zip(case.care_team, team[0]["participant"], strict=True):
            codings = participant["role"][0]["coding"]
            assert codings[0]["code"] == member.role.value  # the local code stays first
            standard = ROLE_CODINGS.get(member.role)
            assert codings[1:] == ([standard] if standard else [])
    manager = ROLE_CODINGS[next(iter(ROLE_CODINGS))]
    assert manager == {
        "system": "http://nucc.org/provider-taxonomy",
        "code": "171M00000X",
        "display": "Case Manager/Care Coordinator",
    }


def test_provenance_agents_act_on_behalf_of_their_organization_or_say_unknown() -> None:
    data = json.loads((GOLDEN / "plan-revision-active.internal.json").read_text())
    revisions = data["plan"]["revisions"]
    revisions[0].pop("author_id", None)
    case = parse_case(data)
    provenances = _of_type(case_to_resources(case, realm="us"), "Provenance")
    unknown = [a for p in provenances for a in p["agent"] if "reference" not in a["who"]]
    assert unknown
    assert all(a["who"]["extension"][0]["url"].endswith("data-absent-reason") for a in unknown)
    organizations = {m.organization for m in case.care_team}
    known = [a for p in provenances for a in p["agent"] if "reference" in a["who"]]
    assert known
    for agent in known:
        if "onBehalfOf" in agent:
            assert agent["onBehalfOf"]["display"] in organizations


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dr. Omar Saleh", {"prefix": ["Dr."], "given": ["Omar"], "family": "Saleh"}),
        ("Mia Chen, RD", {"given": ["Mia"], "family": "Chen", "suffix": ["RD"]}),
        ("Brooks", {"family": "Brooks"}),
    ],
)
def test_practitioner_names_get_a_family_name(text: str, expected: dict[str, Any]) -> None:
    data = json.loads((GOLDEN / "plan-revision-active.internal.json").read_text())
    member = next(m for m in data["care_team"] if m["kind"] == "professional")
    member["name"] = text
    us = case_to_resources(parse_case(data), realm="us")
    names = [p["name"][0] for p in _of_type(us, "Practitioner") if p["name"][0]["text"] == text]
    assert names == [{"text": text, **expected}]


def test_patient_identifiers_without_a_system_get_a_data_absent_one() -> None:
    for case in _examples():
        us = case_to_resources(case, realm="us")
        for patient in _of_type(us, "Patient"):
            for identifier in patient["identifier"]:
                assert identifier.get("system") or identifier["_system"]["extension"]


def test_an_organization_on_the_care_team_is_referenced_on_behalf_of() -> None:
    data = json.loads((GOLDEN / "plan-revision-active.internal.json").read_text())
    organization = next(m for m in data["care_team"] if m["kind"] == "organization")
    organization["name"] = "Acme Health Plan"  # M1's employer, author of revision 1
    us = case_to_resources(parse_case(data), realm="us")
    org = next(r for r in _of_type(us, "Organization") if r["name"] == "Acme Health Plan")
    behalf = [a["onBehalfOf"] for p in _of_type(us, "Provenance") for a in p["agent"]]
    assert {"reference": f"Organization/{org['id']}", "display": "Acme Health Plan"} in behalf
    named = next(r for r in _of_type(us, "Organization") if r["name"] == "Springfield Primary Care")
    assert named["id"].startswith("cm-organization-")  # not on the team: written with the case
    assert named["meta"]["profile"] == [us_core_profile("us-core-organization")]
    assert {
        "reference": f"Organization/{named['id']}",
        "display": "Springfield Primary Care",
    } in behalf
    assert bundle_to_case(us).care_team == parse_case(data).care_team  # no member read back


def test_adapter_map_writes_the_edition_asked_for(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from adapter.cli import app

    source = sorted(EXAMPLES.glob("*.json"))[0]
    us = CliRunner().invoke(app, ["map", "--realm", "us", str(source)])
    assert us.exit_code == 0, us.output
    assert us_core_profile("us-core-patient") in us.stdout
    base = CliRunner().invoke(app, ["map", str(source)], env={"ADAPTER_REALM": "base"})
    assert base.exit_code == 0, base.output
    assert us_core_profile("us-core-patient") not in base.stdout
    wrong = CliRunner().invoke(app, ["map", "--realm", "eu", str(source)])
    assert wrong.exit_code == 1
    assert "--realm: one of base, us" in wrong.output


def test_roles_with_a_true_standard_code_are_coded_the_others_stay_local() -> None:
    assert ROLE_CODINGS[CareTeamRole.VOCATIONAL_COUNSELOR] == {
        "system": "http://nucc.org/provider-taxonomy",
        "code": "225C00000X",
        "display": "Rehabilitation Counselor",
    }
    local = {r for r in CareTeamRole if r not in ROLE_CODINGS}
    assert local == {
        CareTeamRole.THERAPIST,
        CareTeamRole.BEHAVIORAL_HEALTH,
        CareTeamRole.PAYER_REPRESENTATIVE,
        CareTeamRole.SERVICE_PROVIDER,
        CareTeamRole.EMPLOYER_CONTACT,
        CareTeamRole.LEGAL_REPRESENTATIVE,
        CareTeamRole.CLAIMS_ADJUSTER,
    }

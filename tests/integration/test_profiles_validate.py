"""The FHIR package in profiles/ loads into a real HAPI server, which then validates with it.

The package is PUT to the server, then resources are sent to ``$validate`` with a profile:
hand-written conforming resources must pass, deliberately broken ones must fail on the element
the profile constrains (proof the profile is really applied, not just the base resource), and
every resource of every golden case (tests/golden/*.fhir.json) must pass against the profile in
its ``meta.profile``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapter import canonical
from adapter.mappings.datatypes import identifier
from tests.integration.validation_support import (
    ValidationTally,
    describe,
    errors,
    package_server,
    validate,
)

pytestmark = pytest.mark.integration

GOLDEN_DIR = Path(__file__).resolve().parent.parent / "golden"

PATIENT_REF = {"reference": "Patient/cm-patient-1"}
CASE_REF = {"reference": "EpisodeOfCare/cm-case-1"}
PLAN_REF = {"reference": "CarePlan/cm-plan-1"}


def _identifier(kind: str, value: str) -> list[dict[str, Any]]:
    return [identifier(kind, value)]


def _closure_reason(code: str) -> dict[str, Any]:
    return {
        "url": canonical.extension("case-closure-reason"),
        "valueCodeableConcept": {
            "coding": [{"system": canonical.code_system("case-closure-reason"), "code": code}]
        },
    }


def minimal_case() -> dict[str, Any]:
    return {
        "resourceType": "EpisodeOfCare",
        "extension": [_closure_reason("goals-achieved")],
        "identifier": _identifier("case", "CM-1"),
        "status": "finished",
        "type": [
            {"coding": [{"system": canonical.code_system("program-type"), "code": "complex-care"}]}
        ],
        "patient": PATIENT_REF,
    }


def minimal_plan() -> dict[str, Any]:
    return {
        "resourceType": "CarePlan",
        "extension": [
            {
                "url": "http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare",
                "valueReference": CASE_REF,
            }
        ],
        "identifier": _identifier("careplan", "CM-1/plan"),
        "status": "active",
        "intent": "plan",
        "subject": PATIENT_REF,
    }


def minimal_goal() -> dict[str, Any]:
    return {
        "resourceType": "Goal",
        "identifier": _identifier("goal", "CM-1-goal-1"),
        "lifecycleStatus": "active",
        "description": {"text": "Walk to the shop without help"},
        "subject": PATIENT_REF,
        "target": [{"dueDate": "2025-06-30"}],
    }


def minimal_task() -> dict[str, Any]:
    return {
        "resourceType": "Task",
        "extension": [
            {"url": canonical.extension("task-episode-of-care"), "valueReference": CASE_REF}
        ],
        "identifier": _identifier("task", "CM-1/task-1"),
        "basedOn": [PLAN_REF],
        "groupIdentifier": identifier("case", "CM-1"),
        "status": "requested",
        "intent": "order",
        "code": {
            "coding": [{"system": canonical.code_system("intervention-type"), "code": "referral"}]
        },
        "for": PATIENT_REF,
    }


def task_before_any_plan() -> dict[str, Any]:
    return _without(minimal_task(), "basedOn")


def task_of_another_installation() -> dict[str, Any]:
    """Identifier systems under a namespace and another base: the slices do not care."""
    task = minimal_task()
    for item in [*task["identifier"], task["groupIdentifier"]]:
        item["system"] = item["system"].replace(canonical.CANONICAL_BASE, "urn:example:ehr")
        item["system"] += "/sbx-1"
    return task


CONFORMING = {
    "cm-episode-of-care": minimal_case,
    "cm-careplan": minimal_plan,
    "cm-goal": minimal_goal,
    "cm-task": minimal_task,
    "cm-task (no plan yet)": task_before_any_plan,
    "cm-task (other identifier systems)": task_of_another_installation,
}


def _without(resource: dict[str, Any], key: str) -> dict[str, Any]:
    resource.pop(key)
    return resource


def _open_case_with_closure_reason() -> dict[str, Any]:
    return minimal_case() | {"status": "active"}


def _goal_due_as_duration() -> dict[str, Any]:
    return minimal_goal() | {"target": [{"dueDuration": {"value": 3, "unit": "mo"}}]}


def _case_with_foreign_identifier_only() -> dict[str, Any]:
    return minimal_case() | {
        "identifier": [{"system": "urn:oid:2.16.840.1.113883.19.5", "value": "X"}]
    }


def _untyped(resource: dict[str, Any], *keys: str) -> dict[str, Any]:
    """``resource`` with the record-kind type dropped from its identifiers at ``keys``."""
    for key in keys:
        items = resource[key] if isinstance(resource[key], list) else [resource[key]]
        for item in items:
            item.pop("type")
    return resource


def _task_without(key: str) -> dict[str, Any]:
    return _without(minimal_task(), key)


def _plan_without_case_link() -> dict[str, Any]:
    return _without(minimal_plan(), "extension")


def _plan_as_proposal() -> dict[str, Any]:
    return minimal_plan() | {"intent": "proposal"}


def _case_without_program_type() -> dict[str, Any]:
    return _without(minimal_case(), "type")


def _case_link_without_the_case() -> dict[str, Any]:
    relation = {"system": canonical.code_system("case-link-relation"), "code": "reopened-from"}
    link = {
        "url": canonical.extension("related-case"),
        "extension": [{"url": "relation", "valueCoding": relation}],
    }
    return minimal_case() | {"extension": [*minimal_case()["extension"], link]}


def _owner_history_without_period() -> dict[str, Any]:
    entry = {
        "url": canonical.extension("task-owner-history"),
        "extension": [{"url": "owner", "valueReference": {"reference": "Practitioner/cm-1"}}],
    }
    return minimal_task() | {"extension": [*minimal_task()["extension"], entry]}


def _case_with_unknown_link_relation() -> dict[str, Any]:
    case = _case_link_without_the_case()
    case["extension"][-1]["extension"][0]["valueCoding"]["code"] = "bogus"
    case["extension"][-1]["extension"].append(
        {"url": "case", "valueReference": {"identifier": identifier("case", "CM-0")}}
    )
    return case


# case -> (profile id, builder of the broken resource, a fragment of the expected error)
NON_CONFORMING: dict[str, tuple[str, Callable[[], dict[str, Any]], str]] = {
    "task-without-case-link": ("cm-task", lambda: _task_without("extension"), "extension"),
    "task-without-code": ("cm-task", lambda: _task_without("code"), "Task.code"),
    "task-without-for": ("cm-task", lambda: _task_without("for"), "Task.for"),
    "careplan-intent-proposal": ("cm-careplan", _plan_as_proposal, "intent"),
    "careplan-without-case-link": ("cm-careplan", _plan_without_case_link, "extension"),
    "goal-due-duration": ("cm-goal", _goal_due_as_duration, "due"),
    "case-without-program-type": ("cm-episode-of-care", _case_without_program_type, "type"),
    "case-foreign-identifier-only": (
        "cm-episode-of-care",
        _case_with_foreign_identifier_only,
        "identifier",
    ),
    "case-identifier-without-record-kind": (
        "cm-episode-of-care",
        lambda: _untyped(minimal_case(), "identifier"),
        "EpisodeOfCare.identifier:adapter",
    ),
    "task-group-identifier-without-record-kind": (
        "cm-task",
        lambda: _untyped(minimal_task(), "groupIdentifier"),
        "groupIdentifier",
    ),
    "open-case-with-closure-reason": (
        "cm-episode-of-care",
        _open_case_with_closure_reason,
        "cm-eoc-1",
    ),
}


@pytest.fixture(scope="module")
def server(fhir_base_url: str) -> Iterator[httpx.Client]:
    """A client to the test server, which holds the package by the time it is handed out."""
    with package_server(fhir_base_url) as client:
        yield client


@pytest.mark.parametrize("profile_id", sorted(CONFORMING))
def test_minimal_conforming_resource_validates_without_errors(
    server: httpx.Client, profile_id: str
) -> None:
    profile = canonical.profile(profile_id.split()[0])
    issues = validate(server, CONFORMING[profile_id](), profile)
    assert errors(issues) == [], [describe(i) for i in issues]


@pytest.mark.parametrize("case", sorted(NON_CONFORMING))
def test_resource_breaking_the_profile_is_reported(server: httpx.Client, case: str) -> None:
    profile_id, build, fragment = NON_CONFORMING[case]
    resource = build()
    base_errors = errors(validate(server, resource, None))
    assert base_errors == [], [describe(i) for i in base_errors]
    found = errors(validate(server, resource, canonical.profile(profile_id)))
    assert any(fragment in describe(issue) for issue in found), [describe(i) for i in found]


# Broken adapter extensions: the server applies an extension's definition wherever it is used,
# with or without the profile, so these are errors in both cases.
BROKEN_EXTENSIONS: dict[str, tuple[str, Callable[[], dict[str, Any]], str]] = {
    "case-link-without-the-case": (
        "cm-episode-of-care",
        _case_link_without_the_case,
        "extension:case",
    ),
    "case-link-with-unknown-relation": (
        "cm-episode-of-care",
        _case_with_unknown_link_relation,
        "bogus",
    ),
    "owner-history-without-period": ("cm-task", _owner_history_without_period, "extension:period"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_EXTENSIONS))
def test_a_broken_adapter_extension_is_reported(server: httpx.Client, case: str) -> None:
    profile_id, build, fragment = BROKEN_EXTENSIONS[case]
    for profile in (None, canonical.profile(profile_id)):
        found = errors(validate(server, build(), profile))
        assert any(fragment in describe(issue) for issue in found), [describe(i) for i in found]


def _with_case_status(code: str) -> dict[str, Any]:
    case = minimal_case()
    coding = {"system": canonical.code_system("case-status"), "code": code}
    case["extension"].append({"url": canonical.extension("case-status"), "valueCoding": coding})
    return case


def test_code_outside_a_required_local_value_set_is_an_error(server: httpx.Client) -> None:
    profile = canonical.profile("cm-episode-of-care")
    assert errors(validate(server, _with_case_status("closed"), profile)) == []
    found = errors(validate(server, _with_case_status("bogus"), profile))
    assert any("not found in CodeSystem" in describe(issue) for issue in found), found


def test_server_knows_the_local_code_systems(server: httpx.Client) -> None:
    """An unknown code of an extensible binding is only a warning, but it must name the code
    as missing from a known CodeSystem, not the CodeSystem as unknown."""
    case = minimal_case()
    case["type"][0]["coding"][0]["code"] = "bogus"
    issues = validate(server, case, canonical.profile("cm-episode-of-care"))
    text = [describe(issue) for issue in issues]
    assert any("Code is not found in CodeSystem" in line for line in text), text
    assert not any("CodeSystem is unknown" in line for line in text), text


def _golden_cases() -> list[Path]:
    return sorted(GOLDEN_DIR.glob("*.fhir.json"))


def _resources(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    if document.get("resourceType") == "Bundle":
        return [entry["resource"] for entry in document.get("entry", [])]
    return [document]


@pytest.mark.parametrize("golden", _golden_cases(), ids=lambda p: p.name.removesuffix(".fhir.json"))
def test_golden_case_resources_conform_to_their_profiles(
    server: httpx.Client, golden: Path
) -> None:
    document = json.loads(golden.read_text(encoding="utf-8"))
    resources = _resources(document)
    assert resources
    tally = ValidationTally()
    tally.check(server, resources)
    print("\n" + tally.report(golden.name))
    assert tally.errors == []


def _with_server_assigned_ids(resources: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The resources as a server that assigns its own ids would hold them: numeric ids, every
    reference between them rewritten to those ids."""
    renamed = {
        f"{r['resourceType']}/{r['id']}": f"{r['resourceType']}/{1000 + n}"
        for n, r in enumerate(resources)
    }
    text = json.dumps(list(resources))
    for ours, theirs in renamed.items():
        text = text.replace(f'"{ours}"', f'"{theirs}"')
    moved: list[dict[str, Any]] = json.loads(text)
    for n, resource in enumerate(moved):
        resource["id"] = str(1000 + n)
    return moved


def test_resources_under_server_assigned_ids_conform_as_well(server: httpx.Client) -> None:
    """No profile constrains an id or the form of a reference: the same resources under ids
    a production server chose (numeric, unlike ours) validate alike."""
    golden = GOLDEN_DIR / "plan-revision-active.fhir.json"
    resources = _resources(json.loads(golden.read_text(encoding="utf-8")))
    moved = _with_server_assigned_ids(resources)
    assert all(r["id"].isdigit() for r in moved)
    text = json.dumps(moved)
    assert '"reference": "Patient/cm-' in json.dumps(resources)
    assert '"reference": "Patient/cm-' not in text
    assert '"reference": "Patient/1' in text
    tally = ValidationTally()
    tally.check(server, moved)
    assert tally.resources == len(resources)
    assert tally.errors == []

"""The Provenance of each write in the US edition (issue 21): who it names, on whose behalf,
and what a case imported from another server says about where its data came from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from adapter.mappings.bundle import case_to_resources
from adapter.mappings.us_provenance import TRANSMITTER, write_provenance
from adapter.model.case import Case
from adapter.model.origin import CaseOrigin, SourceResource
from adapter.model.validation import parse_case
from adapter.realm import us_core_profile

GOLDEN = Path(__file__).parents[2] / "golden"
WRITTEN = ["EpisodeOfCare/cm-case-1", "Task/cm-task-2"]


def _case(**changes: Any) -> Case:
    data = json.loads((GOLDEN / "plan-revision-active.internal.json").read_text())
    data.update(changes)
    return parse_case(data)


def _write(case: Case, organization: str | None = None) -> dict[str, Any]:
    return write_provenance(
        case, WRITTEN, version="v1", recorded="2026-12-06T03:00:00+00:00", organization=organization
    )


def test_the_case_manager_is_the_author_acting_for_an_organization_written_with_the_case() -> None:
    case = _case()
    provenance = _write(case)
    assert provenance["meta"]["profile"] == [us_core_profile("us-core-provenance")]
    assert [t["reference"] for t in provenance["target"]] == WRITTEN
    assert provenance["recorded"] == "2026-12-06T03:00:00+00:00"
    [agent] = provenance["agent"]
    assert agent["type"]["coding"][0]["code"] == "author"
    manager = next(m for m in case.care_team if m.id == case.case_manager_id)
    assert agent["who"]["reference"].startswith("Practitioner/")
    written = {
        f"Organization/{r['id']}": r
        for r in case_to_resources(case, realm="us")
        if r["resourceType"] == "Organization"
    }
    # onBehalfOf is a reference, and the case's US edition writes what it points at.
    assert written[agent["onBehalfOf"]["reference"]]["name"] == manager.organization
    assert "entity" not in provenance


def test_same_write_same_id_another_write_another_id() -> None:
    case = _case()
    assert _write(case)["id"] == _write(case)["id"]
    other = write_provenance(case, WRITTEN, version="v2", recorded="x", organization=None)
    assert other["id"] != _write(case)["id"]


def test_no_case_manager_the_configured_organization_is_the_author_else_unknown() -> None:
    case = _case(case_manager_id=None)
    [agent] = _write(case, "Organization/cm-org")["agent"]
    assert agent["who"] == {"reference": "Organization/cm-org"}
    [agent] = _write(case)["agent"]
    assert "reference" not in agent["who"]
    assert agent["who"]["extension"][0]["valueCode"] == "unknown"


def test_a_manager_with_no_organization_acts_for_the_configured_one() -> None:
    data = json.loads((GOLDEN / "plan-revision-active.internal.json").read_text())
    manager = next(m for m in data["care_team"] if m["id"] == data["case_manager_id"])
    manager.pop("organization", None)
    [agent] = _write(parse_case(data), "Organization/cm-org")["agent"]
    assert agent["onBehalfOf"] == {"reference": "Organization/cm-org"}


def test_re_served_data_keeps_its_source_author_and_names_the_transmitter() -> None:
    origin = CaseOrigin(
        server="https://payer.example/fhir/",
        organization="Organization/payer-1",
        resources=(
            SourceResource(resource="CarePlan/7", version="3"),
            SourceResource(resource="Goal/8"),
        ),
    )
    provenance = _write(_case(origin=origin.model_dump(mode="json")), "Organization/cm-org")
    author, transmitter = provenance["agent"]
    assert author["type"]["coding"][0]["code"] == "author"
    assert author["who"] == {"reference": "https://payer.example/fhir/Organization/payer-1"}
    assert transmitter["type"]["coding"] == [TRANSMITTER]
    assert TRANSMITTER["system"].startswith("http://hl7.org/fhir/us/core/CodeSystem/")
    assert transmitter["who"] == {"reference": "Organization/cm-org"}
    assert provenance["entity"] == [
        {
            "role": "source",
            "what": {"reference": "https://payer.example/fhir/CarePlan/7/_history/3"},
        },
        {"role": "source", "what": {"reference": "https://payer.example/fhir/Goal/8"}},
    ]


def test_re_served_data_from_an_unnamed_organization_names_the_server_and_the_managers_org() -> (
    None
):
    case = _case(origin={"server": "https://payer.example/fhir"})
    author, transmitter = _write(case)["agent"]
    assert author["who"] == {
        "identifier": {"system": "urn:ietf:rfc:3986", "value": "https://payer.example/fhir"}
    }
    # No organization configured: the case manager's organization transmits.
    assert transmitter["who"]["reference"].startswith("Organization/cm-organization-")

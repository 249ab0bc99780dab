"""Cases that point at the EHR's own Patient and Practitioner (issue 16, item 3), pushed to the
real local HAPI: referenced, never written again; found by identifier when asked."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from adapter.fhir import FHIRClient
from adapter.sync.ledger import Ledger, ReasonCode
from adapter.sync.pull.run import pull_changes
from adapter.sync.push.run import CaseInput, push_cases
from tests.integration.push_support import fresh_cases

pytestmark = pytest.mark.integration

MRN_SYSTEM = "urn:oid:2.16.840.1.113883.19.5.99"


def _ehr_writes(base: str, resource: dict[str, Any]) -> str:
    """The EHR registers a resource (server-assigned id); its id."""
    answer = httpx.post(f"{base}/{resource['resourceType']}", json=resource, timeout=60)
    assert answer.status_code == 201, answer.text[:300]
    return str(answer.json()["id"])


def _ehr_patient(base: str, mrn: str) -> str:
    return _ehr_writes(
        base,
        {
            "resourceType": "Patient",
            "identifier": [{"system": MRN_SYSTEM, "value": mrn}],
            "name": [{"family": "Registered", "given": ["ByTheEHR"]}],
        },
    )


def _search(base: str, query: str) -> list[dict[str, Any]]:
    bundle = httpx.get(f"{base}/{query}", timeout=60, headers={"Cache-Control": "no-cache"})
    return [entry["resource"] for entry in bundle.json().get("entry", [])]


def _with_mrn(case: dict[str, Any], mrn: str, *, match: bool) -> dict[str, Any]:
    case["client"]["identifiers"] = [{"kind": "mrn", "value": mrn, "system": MRN_SYSTEM}]
    case["client"]["match_existing"] = match
    return case


async def test_a_case_linked_by_fhir_id_references_the_ehr_patient_and_practitioner(
    client: FHIRClient, ledger: Ledger, fhir_base_url: str
) -> None:
    mrn = f"MRN-{uuid.uuid4().hex[:12]}"
    patient_id = _ehr_patient(fhir_base_url, mrn)
    practitioner_id = _ehr_writes(
        fhir_base_url, {"resourceType": "Practitioner", "name": [{"family": "Directory"}]}
    )
    [case] = fresh_cases(1)
    case["client"]["fhir_id"] = patient_id
    member = next(m for m in case["care_team"] if m["kind"] == "professional")
    member["fhir_id"] = practitioner_id

    report = await push_cases([CaseInput(case["id"], case, "test")], client=client, ledger=ledger)

    assert report.all_ok, report.summary()
    [episode] = _search(fhir_base_url, f"EpisodeOfCare?identifier={case['id']}")
    assert episode["patient"]["reference"] == f"Patient/{patient_id}"
    tasks = _search(fhir_base_url, f"Task?patient=Patient/{patient_id}")
    assert len(tasks) == len(case["tasks"])
    # No Patient of ours for this client, and the EHR's Patient is untouched (version 1).
    assert _search(fhir_base_url, f"Patient?identifier={case['client']['id']}") == []
    assert (await client.read("Patient", patient_id))["meta"]["versionId"] == "1"
    [team] = _search(fhir_base_url, f"CareTeam?patient=Patient/{patient_id}")
    members = {p["member"]["reference"] for p in team["participant"]}
    assert f"Practitioner/{practitioner_id}" in members
    assert _search(fhir_base_url, f"Practitioner?identifier={case['id']}/{member['id']}") == []
    # A pull over the linked case's resources reads them without failures.
    pulled = await pull_changes(client, ledger, since=datetime.now(UTC) - timedelta(minutes=5))
    assert pulled.failures == []


async def test_match_existing_finds_the_ehr_patient_by_identifier_once(
    client: FHIRClient, ledger: Ledger, fhir_base_url: str
) -> None:
    mrn = f"MRN-{uuid.uuid4().hex[:12]}"
    patient_id = _ehr_patient(fhir_base_url, mrn)
    first, second = fresh_cases(2)
    second["client"]["id"] = first["client"]["id"]  # two cases of one client
    cases = [_with_mrn(first, mrn, match=True), _with_mrn(second, mrn, match=True)]

    report = await push_cases(
        [CaseInput(c["id"], c, "test") for c in cases], client=client, ledger=ledger
    )

    assert report.all_ok, report.summary()
    for case in cases:
        [episode] = _search(fhir_base_url, f"EpisodeOfCare?identifier={case['id']}")
        assert episode["patient"]["reference"] == f"Patient/{patient_id}"
    # Exactly one Patient carries the MRN: the EHR's. The stored case keeps the link.
    assert [p["id"] for p in _search(fhir_base_url, f"Patient?identifier={MRN_SYSTEM}|{mrn}")] == [
        patient_id
    ]
    stored = ledger.get_case(first["id"])
    assert stored is not None
    assert stored.document is not None
    assert stored.document["client"]["fhir_id"] == patient_id


async def test_no_matching_patient_fails_the_case_readably_and_a_retry_links_it(
    client: FHIRClient, ledger: Ledger, fhir_base_url: str
) -> None:
    mrn = f"MRN-{uuid.uuid4().hex[:12]}"
    [case] = fresh_cases(1)
    _with_mrn(case, mrn, match=True)

    report = await push_cases([CaseInput(case["id"], case, "test")], client=client, ledger=ledger)

    [failed] = report.failed
    assert failed.reason is ReasonCode.INVALID_INPUT
    assert "client.match_existing" in str(failed.message)
    assert "no Patient on the server has the identifier client.identifiers[0]" in str(
        failed.message
    )
    assert mrn not in str(failed.message)  # the field, never the value
    assert _search(fhir_base_url, f"EpisodeOfCare?identifier={case['id']}") == []

    patient_id = _ehr_patient(fhir_base_url, mrn)  # the EHR registers the patient
    again = await push_cases([CaseInput(case["id"], case, "test")], client=client, ledger=ledger)
    assert again.all_ok, again.summary()
    [episode] = _search(fhir_base_url, f"EpisodeOfCare?identifier={case['id']}")
    assert episode["patient"]["reference"] == f"Patient/{patient_id}"

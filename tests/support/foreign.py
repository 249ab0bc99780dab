"""Hand-written foreign FHIR data (tests/fixtures/import): loaded as another system would."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "import"
SCENARIOS = ("spec-episode", "us-core-careplan", "unknown-code", "missing-optional", "malformed")


def foreign_resources(scenario: str, tag: str) -> list[dict[str, Any]]:
    """The scenario's resources with ``{tag}`` replaced (ids unique on a shared server)."""
    text = (FIXTURES / f"{scenario}.json").read_text(encoding="utf-8").replace("{tag}", tag)
    resources: list[dict[str, Any]] = json.loads(text)
    return resources


def put_raw(base_url: str, resources: list[dict[str, Any]]) -> None:
    """PUT each resource by plain HTTP, in order (not through the adapter's client)."""
    with httpx.Client(timeout=60) as http:
        for resource in resources:
            url = f"{base_url.rstrip('/')}/{resource['resourceType']}/{resource['id']}"
            answer = http.put(url, json=resource, headers={"Content-Type": "application/fhir+json"})
            assert answer.status_code in (200, 201), (url, answer.status_code, answer.text[:300])


def normalized(record: dict[str, Any], tag: str, server: str) -> Any:
    """A record with the run's tag and server replaced, for comparing with a golden file."""
    text = json.dumps(record, sort_keys=True).replace(tag, "TAG").replace(server, "SERVER")
    return json.loads(re.sub(r'"version": "\d+"', '"version": "1"', text))


_EPISODE_STATUSES = ("planned", "active", "onhold", "finished", "cancelled")
_TASK_STATUSES = ("requested", "accepted", "in-progress", "completed", "cancelled")


def generated_episodes(count: int, tag: str) -> list[dict[str, Any]]:
    """``count`` foreign cases (Patient, EpisodeOfCare, referral, CarePlan linked by the
    workflow-episodeOfCare extension, two Goals, two Tasks, a Consent), deterministic."""
    out: list[dict[str, Any]] = []
    for n in range(count):
        key = f"g{tag}-{n}"
        patient = {"reference": f"Patient/{key}-p"}
        day = f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}"
        status = _EPISODE_STATUSES[n % len(_EPISODE_STATUSES)]
        ended = status in ("finished", "cancelled")
        out += [
            {"resourceType": "Patient", "id": f"{key}-p", "gender": ("female", "male")[n % 2],
             "name": [{"family": f"Family{n}", "given": [f"Given{n}"]}], "birthDate": "1950-05-17"},
            {"resourceType": "ServiceRequest", "id": f"{key}-r", "status": "completed",
             "intent": "order", "subject": patient, "authoredOn": day,
             "reasonCode": [{"text": "Frequent admissions"}]},
            {"resourceType": "EpisodeOfCare", "id": f"{key}-e", "status": status,
             "identifier": [{"system": f"http://provider-{n % 3}.example.org/cases",
                             "value": f"C-{tag}-{n}"}],
             "patient": patient,
             "period": {"start": day, **({"end": "2025-12-31"} if ended else {})},
             "referralRequest": [{"reference": f"ServiceRequest/{key}-r"}]},
            {"resourceType": "Consent", "id": f"{key}-c", "status": "active",
             "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope",
                                   "code": "treatment"}]},
             "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
             "patient": patient, "dateTime": day},
            *({"resourceType": "Goal", "id": f"{key}-g{g}", "lifecycleStatus": "active",
               "description": {"text": f"Goal {g} of case {n}"}, "subject": patient,
               "target": [{"dueDate": "2026-06-30"}]} for g in (1, 2)),
            {"resourceType": "CarePlan", "id": f"{key}-cp", "status": "active", "intent": "plan",
             "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare",
                            "valueReference": {"reference": f"EpisodeOfCare/{key}-e"}}],
             "subject": patient, "created": day,
             "goal": [{"reference": f"Goal/{key}-g1"}, {"reference": f"Goal/{key}-g2"}]},
            *({"resourceType": "Task", "id": f"{key}-t{t}", "intent": "order",
               "status": "completed" if ended else _TASK_STATUSES[(n + t) % 3],
               "basedOn": [{"reference": f"CarePlan/{key}-cp"}], "for": patient,
               "description": f"Task {t}", "authoredOn": f"{day}T09:00:00Z"} for t in (1, 2)),
        ]  # fmt: skip
    return out


def transaction_bundles(resources: list[dict[str, Any]], size: int = 400) -> list[dict[str, Any]]:
    """PUT-by-id transactions of at most ``size`` entries, in order."""
    return [
        {
            "resourceType": "Bundle",
            "type": "transaction",
            "entry": [
                {
                    "resource": r,
                    "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"},
                }
                for r in resources[start : start + size]
            ],
        }
        for start in range(0, len(resources), size)
    ]


def _url(resource: dict[str, Any]) -> str:
    return f"{resource['resourceType']}/{resource['id']}"


def post_raw(base_url: str, bundles: list[dict[str, Any]]) -> None:
    with httpx.Client(timeout=600) as http:
        for bundle in bundles:
            answer = http.post(
                base_url, json=bundle, headers={"Content-Type": "application/fhir+json"}
            )
            assert answer.status_code == 200, (answer.status_code, answer.text[:300])


def group_of(patients: list[str], group_id: str) -> dict[str, Any]:
    return {
        "resourceType": "Group",
        "id": group_id,
        "type": "person",
        "actual": True,
        "member": [{"entity": {"reference": f"Patient/{p}"}} for p in patients],
    }

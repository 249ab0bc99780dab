"""Fetching everything a server holds about one client: the input of :func:`group_cases`.

Servers define no search parameters for the extensions that tie resources to an
EpisodeOfCare, so the resources are found by their patient (one search per type, run
concurrently) and grouped into cases on our side. Provenance has no patient link: it is found by
its targets. Whatever those resources point at and no search brought back (care team members,
a Condition of another system) is then read by id, type by type.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from adapter.fhir import FHIRClient
from adapter.sync.pull.history import CASE_RESOURCE_TYPES
from adapter.sync.resources import key_text, reference_key, references

__all__ = [
    "BY_PATIENT",
    "CHANGED_BY",
    "RestGatherer",
    "add_referenced",
    "find_patients",
    "gather_patient",
]

Resource = dict[str, Any]

#: Resource type -> its standard R4 search parameter for "belongs to this patient".
BY_PATIENT: Final[Mapping[str, str]] = {
    "EpisodeOfCare": "patient",
    "CarePlan": "patient",
    "Goal": "patient",
    "Task": "patient",
    "Condition": "patient",
    "Observation": "patient",
    "ServiceRequest": "patient",
    "Consent": "patient",
    "Coverage": "patient",
    "CareTeam": "patient",
    "RiskAssessment": "patient",
    "Communication": "patient",
    "RelatedPerson": "patient",
}

#: Resource type -> the element naming its patient: a change to any of these marks the
#: patient's cases as changed (``--since``).
CHANGED_BY: Final[Mapping[str, str]] = {
    "EpisodeOfCare": "patient",
    "CarePlan": "subject",
    "Goal": "subject",
    "Task": "for",
    "Consent": "patient",
    "Condition": "subject",
    "ServiceRequest": "subject",
    "Patient": "id",
}

_IDS_PER_SEARCH: Final = 50  # keeps the query string well under URL length limits
_PAGE: Final = "200"


async def gather_patient(client: FHIRClient, patient_id: str) -> list[Resource]:
    """The Patient and every case resource about them, each once, referenced ones included."""
    found: dict[str, Resource] = {}
    _add(found, [await client.read("Patient", patient_id)])
    searches = [
        _search(client, kind, {param: f"Patient/{patient_id}"})
        for kind, param in BY_PATIENT.items()
    ]
    for batch in await asyncio.gather(*searches):
        _add(found, batch)
    targets = [k for k in found if k.split("/", 1)[0] in ("EpisodeOfCare", "CarePlan")]
    for chunk in _chunks(targets):
        _add(found, await _search(client, "Provenance", {"target": ",".join(chunk)}))
    # Tasks tied to the plan or its goals but not to the patient (Task.for is optional).
    plans = [k for k in found if k.startswith("CarePlan/")]
    for chunk in _chunks(plans):
        _add(found, await _search(client, "Task", {"based-on": ",".join(chunk)}))
    focus = [k for k in found if k.split("/", 1)[0] in ("CarePlan", "Goal")]
    for chunk in _chunks(focus):
        _add(found, await _search(client, "Task", {"focus": ",".join(chunk)}))
    await add_referenced(client, found)
    return list(found.values())


async def add_referenced(client: FHIRClient, found: dict[str, Resource]) -> None:
    """Read what the found resources point at, until nothing new appears (members are leaves,
    so this takes one or two rounds); a reference to nothing is left for the mapping to report."""
    asked: set[str] = set()
    while True:
        missing: dict[str, set[str]] = {}
        for resource in list(found.values()):
            for key in references(resource):
                kind, ident = key.split("/", 1)
                if key not in found and key not in asked and kind in CASE_RESOURCE_TYPES:
                    missing.setdefault(kind, set()).add(ident)
                    asked.add(key)
        if not missing:
            return
        for kind, ids in sorted(missing.items()):
            for chunk in _chunks(sorted(ids)):
                _add(found, await _search(client, kind, {"_id": ",".join(chunk)}))


async def _search(client: FHIRClient, kind: str, params: dict[str, str]) -> list[Resource]:
    query = {**params, "_count": _PAGE}
    return [resource async for resource in client.search(kind, query, no_cache=True)]


def _add(found: dict[str, Resource], resources: Iterable[Resource]) -> None:
    for resource in resources:
        found.setdefault(key_text(resource), resource)


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), _IDS_PER_SEARCH):
        yield items[start : start + _IDS_PER_SEARCH]


@dataclass(frozen=True)
class RestGatherer:
    """Resources by REST searches: the clients of ``patient`` (an id or ``system|value``),
    of those with a case resource changed at or after ``since``, or of every case."""

    client: FHIRClient
    patient: str | None = None
    since: datetime | None = None

    async def patients(self) -> list[str]:
        return await find_patients(self.client, self.patient, since=self.since)

    async def gather(self, patient_id: str) -> list[Resource]:
        return await gather_patient(self.client, patient_id)


async def find_patients(
    client: FHIRClient, patient: str | None, *, since: datetime | None = None
) -> list[str]:
    """Patient ids: of ``patient``, else of every EpisodeOfCare and CarePlan (with ``since``:
    of every case resource updated at or after it)."""
    if patient is not None:
        criteria = {"identifier": patient} if "|" in patient else {"_id": patient}
        return sorted(
            {str(r["id"]) async for r in client.search("Patient", criteria, no_cache=True)}
        )
    kinds = CHANGED_BY if since is not None else {"EpisodeOfCare": "patient", "CarePlan": "subject"}
    ids: set[str] = set()
    for kind, element in kinds.items():
        params = {"_count": _PAGE}
        if element != "id":
            params["_elements"] = element
        if since is not None:
            params["_lastUpdated"] = f"ge{since.isoformat()}"
        async for resource in client.search(kind, params, no_cache=True):
            if kind == "Patient":
                ids.add(str(resource.get("id")))
                continue
            key = reference_key(str((resource.get(element) or {}).get("reference", "")))
            if key is not None and key.startswith("Patient/"):
                ids.add(key.removeprefix("Patient/"))
    return sorted(ids)

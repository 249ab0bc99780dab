"""A case as a transitions-of-care document: a ``document`` Bundle led by its Composition.

The Composition (status ``final``, type and category LOINC 18761-7 "Transfer summary note",
as PACIO Transitions of Care sets the category) has the client as subject, the case manager
as author (the adapter itself, a Device, when the case has none), the case manager's
organization as custodian, the date of the case version (:mod:`.stamp`) and the sections of
:mod:`.sections`. The Bundle then holds every resource the Composition reaches by following
references, each once, in the mapping's order, with ``fullUrl`` ``<server base>/<Type>/<id>``:
where the push puts it. A client or member linked to the EHR's own resource (``fhir_id``) is
referenced by that id and carried as a copy built from the case, since a document must hold
what it references.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final

from adapter.mappings.bundle import case_to_resources
from adapter.mappings.context import Refs
from adapter.mappings.datatypes import Json, codeable_concept, coding, compact, fhir_date, period
from adapter.mappings.documents.narrative import labelled, narrative
from adapter.mappings.documents.sections import LOINC, transition_sections
from adapter.mappings.documents.stamp import as_of, case_version, document_uuid, instant
from adapter.mappings.namespace import apply_namespace
from adapter.mappings.resources import care_team, patient
from adapter.mappings.terminology import table
from adapter.model.care_team import CareTeamMember
from adapter.model.case import Case
from adapter.model.codes import MemberKind

__all__ = ["ADAPTER_DEVICE_NAME", "document_entries", "resource_url", "transition_document"]

ADAPTER_DEVICE_NAME: Final = "cm-fhir-adapter"
_URI: Final = "urn:ietf:rfc:3986"
_LANGUAGE: Final = "en-US"
_TRANSFER_SUMMARY: Final = coding(LOINC, "18761-7", "Transfer summary note")
_RELATIVE: Final = re.compile(r"^([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})$")


def transition_document(case: Case, *, base_url: str, namespace: str | None = None) -> Json:
    """The transitions-of-care document Bundle of ``case`` (pure: same case, same bytes)."""
    moment = instant(as_of(case))
    version = case_version(case)
    composition = _composition(case, date=moment, namespace=namespace)
    pool = [composition, *_linked_copies(case), *_header_resources(case), *case_to_resources(case)]
    reached = _reachable(composition, pool)
    resources = reached if namespace is None else apply_namespace(reached, namespace)
    return {
        "resourceType": "Bundle",
        "identifier": {
            "system": _URI,
            "value": document_uuid(case.id, "transition", namespace or "", version),
        },
        "type": "document",
        "timestamp": moment,
        "entry": document_entries(resources, base_url=base_url),
    }


def resource_url(base_url: str, resource: Mapping[str, Any]) -> str:
    """Where ``resource`` lives on the server at ``base_url``: its entry ``fullUrl``."""
    return f"{base_url.rstrip('/')}/{resource['resourceType']}/{resource['id']}"


def document_entries(resources: Sequence[Json], *, base_url: str) -> list[Json]:
    """Bundle entries of ``resources``, each with its RESTful ``fullUrl`` (relative references
    inside a document resolve against it)."""
    return [{"fullUrl": resource_url(base_url, r), "resource": r} for r in resources]


def _composition(case: Case, *, date: str, namespace: str | None) -> Json:
    refs = Refs.of(case)
    custodian = _custodian(case, refs)
    return compact(
        {
            "resourceType": "Composition",
            "id": refs.id("document", "transition"),
            "language": _LANGUAGE,  # PACIO TOC: language 1..1
            "text": narrative(
                labelled("Transitions of care summary of case", case.id),
                labelled("Program", _program(case)),
                labelled("As of", date),
                lang=_LANGUAGE,
            ),
            # One identifier for every version of this case's document (a new version replaces
            # the Composition); the Bundle's identifier names the version.
            "identifier": {
                "system": _URI,
                "value": document_uuid(case.id, "transition", namespace or ""),
            },
            "status": "final",
            "type": codeable_concept(_TRANSFER_SUMMARY),
            "category": [codeable_concept(_TRANSFER_SUMMARY)],
            "subject": refs.patient(),
            "date": date,
            "author": [refs.member(case.case_manager_id) or _device_ref(refs)],
            "title": f"Transitions of care summary: case {case.id}",
            "custodian": custodian,
            "event": [{"period": period(fhir_date(case.opened_on), fhir_date(case.closed_on))}],
            "section": transition_sections(case),
        }
    )


def _program(case: Case) -> str:
    return table("program-type").to_fhir(case.program).display or case.program


def _manager(case: Case) -> CareTeamMember | None:
    return next((m for m in case.care_team if m.id == case.case_manager_id), None)


def _custodian(case: Case, refs: Refs) -> Json | None:
    """The case-management organization: the case manager's employer (an Organization this
    document adds), or the case manager when that member is an organization itself."""
    manager = _manager(case)
    if manager is None:
        return None
    if manager.kind is MemberKind.ORGANIZATION:
        return refs.member(manager.id)
    if manager.organization is None:
        return None
    return {"reference": f"Organization/{refs.id('custodian')}"}


def _header_resources(case: Case) -> Iterator[Json]:
    """The resources only the document has: the custodian Organization, the adapter Device."""
    refs = Refs.of(case)
    manager = _manager(case)
    if manager is not None and manager.kind is not MemberKind.ORGANIZATION and manager.organization:
        # US Core Organization: active and name are 1..1.
        yield {
            "resourceType": "Organization",
            "id": refs.id("custodian"),
            "active": True,
            "name": manager.organization,
        }
    if manager is None:
        yield {
            "resourceType": "Device",
            "id": refs.id("device"),
            "deviceName": [{"name": ADAPTER_DEVICE_NAME, "type": "user-friendly-name"}],
        }


def _device_ref(refs: Refs) -> Json:
    return {"reference": f"Device/{refs.id('device')}"}


def _linked_copies(case: Case) -> Iterator[Json]:
    """Copies of the EHR-owned Patient and members the case links to, under the EHR's ids."""
    client = case.client
    if client.fhir_id:
        yield {**patient.to_fhir(client), "id": client.fhir_id}
    for member in case.care_team:
        if member.fhir_id:
            yield {**care_team.member_to_fhir(member, case=case), "id": member.fhir_id}


def _reachable(root: Json, pool: Sequence[Json]) -> list[Json]:
    """``root`` and every resource of ``pool`` it reaches through references, in pool order."""
    by_key = {f"{r['resourceType']}/{r['id']}": r for r in pool}
    seen = {f"{root['resourceType']}/{root['id']}"}
    todo = [root]
    while todo:
        for key in _references(todo.pop()):
            if key in by_key and key not in seen:
                seen.add(key)
                todo.append(by_key[key])
    return [r for r in pool if f"{r['resourceType']}/{r['id']}" in seen]


def _references(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        ref = value.get("reference")
        if isinstance(ref, str) and _RELATIVE.match(ref):
            yield ref
        for item in value.values():
            yield from _references(item)
    elif isinstance(value, list):
        for item in value:
            yield from _references(item)

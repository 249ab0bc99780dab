"""Care team <-> CareTeam, and each member <-> Practitioner / RelatedPerson / Organization.

A professional is a Practitioner, a caregiver a RelatedPerson, an organization an Organization.
Member resources are scoped to the case (``<case id>/<member id>``): the same person on two
cases is two resources, because the internal model does not say that two member records are the
same person.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from adapter.mappings.context import MEMBER_TYPES, Index, Refs
from adapter.mappings.datatypes import (
    Json,
    codeable_concept,
    compact,
    extension,
    extensions,
    find_coding,
    find_extension,
    identifier_value,
)
from adapter.mappings.extensions import MEMBER_ORGANIZATION, WORKFLOW_EPISODE
from adapter.mappings.terminology import table
from adapter.model.care_team import CareTeamMember
from adapter.model.case import Case
from adapter.model.codes import CareTeamRole, MemberKind

__all__ = ["from_fhir", "member_from_fhir", "member_to_fhir", "to_fhir"]

_KINDS = {resource_type: kind for kind, resource_type in MEMBER_TYPES.items()}


def member_to_fhir(member: CareTeamMember, *, case: Case) -> Json:
    """The Practitioner, RelatedPerson or Organization of one care team member."""
    refs = Refs.of(case)
    resource_type = MEMBER_TYPES[member.kind]
    telecom = [("phone", member.phone), ("email", member.email)]
    body: Json = {
        "resourceType": resource_type,
        "id": refs.id("member", member.id),
        "identifier": [refs.identifier("care-team-member", member.id)],
        "telecom": [{"system": s, "value": v} for s, v in telecom if v],
    }
    if member.kind is MemberKind.ORGANIZATION:
        body["name"] = member.name
    else:
        body["name"] = [{"text": member.name}]
    if member.kind is MemberKind.CAREGIVER:
        body["patient"] = refs.patient()  # RelatedPerson.patient is 1..1
    return compact(body)


def to_fhir(case: Case) -> Json:
    """The CareTeam of a case: every member with their role, in order."""
    refs = Refs.of(case)
    return compact(
        {
            "resourceType": "CareTeam",
            "id": refs.id("care-team"),
            "identifier": [refs.identifier("care-team")],
            "extension": [_episode_link(refs)],
            "status": "active",  # the team exists as long as the case record does
            "subject": refs.patient(),
            "participant": [_participant(m, refs) for m in case.care_team],
        }
    )


def _episode_link(refs: Refs) -> Json:
    return {"url": WORKFLOW_EPISODE, "valueReference": refs.episode()}


def _participant(member: CareTeamMember, refs: Refs) -> Json:
    role = table("care-team-role").to_fhir(member.role)
    employer = None
    caregiver_employer = None
    # ctm-1: onBehalfOf only for Practitioner members; others carry the employer in an extension.
    if member.kind is MemberKind.PROFESSIONAL:
        employer = {"display": member.organization} if member.organization else None
    else:
        caregiver_employer = extension(MEMBER_ORGANIZATION, valueString=member.organization)
    return compact(
        {
            "extension": extensions(caregiver_employer),
            "role": [codeable_concept(role.coding())],
            "member": refs.member(member.id),
            "onBehalfOf": employer,
        }
    )


def member_from_fhir(resource: Mapping[str, Any], participant: Mapping[str, Any]) -> CareTeamMember:
    """The care team member behind a member resource and its CareTeam participant entry."""
    resource_type = str(resource.get("resourceType"))
    where = f"{resource_type}/{resource.get('id')}"
    roles = table("care-team-role")
    role_code = next(
        (c["code"] for r in participant.get("role", []) if (c := find_coding(r, roles.system))),
        None,
    )
    role = roles.from_fhir(
        role_code or "service-provider", resource=where, element="CareTeam.participant.role"
    )
    employer = (participant.get("onBehalfOf") or {}).get("display")
    employer_ext = find_extension(participant, MEMBER_ORGANIZATION)
    if employer_ext is not None:
        employer = employer_ext.get("valueString")
    telecom = {t.get("system"): t.get("value") for t in reversed(resource.get("telecom", []))}
    return CareTeamMember(
        id=identifier_value(resource, "care-team-member", last=True) or str(resource.get("id")),
        kind=_KINDS[resource_type],
        name=_name(resource),
        role=CareTeamRole(role),
        organization=employer,
        phone=telecom.get("phone"),
        email=telecom.get("email"),
    )


def _name(resource: Mapping[str, Any]) -> str:
    name = resource.get("name")
    if isinstance(name, str):
        return name
    first = (name or [{}])[0]
    return str(first.get("text") or " ".join([*first.get("given", []), first.get("family", "")]))


def from_fhir(
    care_team: Mapping[str, Any] | None,
    members: Mapping[str, Mapping[str, Any]],
    *,
    index: Index,
) -> list[CareTeamMember]:
    """The care team, in participant order. ``members`` maps ``<Type>/<id>`` to resources.

    Members referenced by no participant are appended with the role ``service-provider``;
    participants whose member resource is missing are skipped with a warning.
    """
    out: list[CareTeamMember] = []
    seen: set[str] = set()
    for participant in (care_team or {}).get("participant", []):
        key = str((participant.get("member") or {}).get("reference", ""))
        resource = members.get(key)
        if resource is None:
            index.warn(care_team or {}, "participant without a member resource in the bundle")
            continue
        seen.add(key)
        out.append(member_from_fhir(resource, participant))
    for key, resource in members.items():
        if key not in seen:
            out.append(member_from_fhir(resource, {}))
    return out


def member_types() -> Sequence[str]:
    """The FHIR resource types care team members are written as."""
    return list(_KINDS)

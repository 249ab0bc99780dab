"""Provenance in the US edition: on whose behalf agents act, and the Provenance of each write.

US Core 6.1.0 wants ``agent.who`` a reference, ``onBehalfOf`` (a reference to an Organization)
when the agent is a Practitioner, and a ``transmitter`` agent when a system re-serves data
another one wrote. Pure functions of the case and the configured organization:

- :func:`on_behalf_of`: the organization a care-team member acts for, always a reference: the
  organization when it is on the care team itself, else an Organization resource written with
  the case for the name the case records (:func:`employer_organizations`), else the configured
  organization (``ADAPTER_ORGANIZATION``), else none;
- :func:`write_provenance`: the Provenance of one push's write of a case (target: what the
  transaction wrote; id: the case and a digest of what was written, so the same write is the
  same Provenance). Its author is the case manager (acting for their organization), failing
  that the configured organization; for a case imported from another server (``Case.origin``)
  the author stays that server's organization, the configured organization (else the case
  manager's) is the ``transmitter``, and each resource read there is an ``entity`` (source).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from adapter.mappings.context import Refs
from adapter.mappings.datatypes import Json, coding, compact, reference
from adapter.model.case import Case
from adapter.model.codes import MemberKind
from adapter.model.origin import CaseOrigin
from adapter.realm import us_core_profile

__all__ = [
    "TRANSMITTER",
    "employer_organizations",
    "on_behalf_of",
    "organization_id",
    "write_provenance",
]

_PARTICIPANT: Final = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
_US_PARTICIPANT: Final = (
    "http://hl7.org/fhir/us/core/CodeSystem/us-core-provenance-participant-type"
)
_OPERATION: Final = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"
_DATA_ABSENT: Final = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
_SERVER: Final = "urn:ietf:rfc:3986"
AUTHOR: Final = coding(_PARTICIPANT, "author", "Author")
TRANSMITTER: Final = coding(_US_PARTICIPANT, "transmitter", "Transmitter")


def organization_id(refs: Refs, name: str) -> str:
    """The id of the Organization written with a case for an organization it only names."""
    return refs.id("organization", name)


def employer_organizations(case: Case) -> list[Json]:
    """An Organization for each organization that a Provenance agent (the case manager, a plan
    revision's author) works for and the care team does not hold itself (the case model keeps
    it as a name)."""
    refs = Refs.of(case)
    agents = {case.case_manager_id}
    if case.plan is not None:
        agents |= {r.author_id for r in case.plan.revisions}
    on_team = {m.name for m in case.care_team if m.kind is MemberKind.ORGANIZATION}
    names = dict.fromkeys(
        m.organization
        for m in case.care_team
        if m.id in agents
        and m.kind is MemberKind.PROFESSIONAL
        and m.organization
        and m.organization not in on_team
    )
    return [
        {
            "resourceType": "Organization",
            "id": organization_id(refs, name),
            "active": True,
            "name": name,
        }
        for name in names
        if name
    ]


def on_behalf_of(case: Case, member_id: str | None, organization: str | None) -> Json | None:
    """A reference to the organization ``member_id`` (a professional) acts for: see the module
    doc. None for a member that is no professional, or when nothing is known or configured."""
    member = next((m for m in case.care_team if m.id == member_id), None)
    if member is None or member.kind is not MemberKind.PROFESSIONAL:
        return None
    refs = Refs.of(case)
    name = member.organization
    if name:
        team = next(
            (m for m in case.care_team if m.kind is MemberKind.ORGANIZATION and m.name == name),
            None,
        )
        target = refs.member(team.id) if team is not None else None
        target = target or reference("Organization", organization_id(refs, name))
        return {**target, "display": name}
    return {"reference": organization} if organization else None


def write_provenance(
    case: Case,
    written: Sequence[str],
    *,
    version: str,
    recorded: str,
    organization: str | None,
) -> Json:
    """The Provenance of one write of ``case``: ``written`` are the ``<Type>/<id>`` written (plain
    form), ``version`` a digest of what was written, ``recorded`` the instant of the write."""
    refs = Refs.of(case)
    manager = refs.member(case.case_manager_id)
    behalf = on_behalf_of(case, case.case_manager_id, organization)
    if case.origin is not None:
        agents = [_source_author(case.origin), _transmitter(organization or _ref(behalf))]
    elif manager is not None:
        agents = [compact({"type": _type(AUTHOR), "who": manager, "onBehalfOf": behalf})]
    else:
        agents = [{"type": _type(AUTHOR), "who": _org_or_absent(organization)}]
    return compact(
        {
            "resourceType": "Provenance",
            "id": refs.id("write", version),
            "meta": {"profile": [us_core_profile("us-core-provenance")]},
            "target": [{"reference": key} for key in written],
            "recorded": recorded,
            "activity": {"coding": [coding(_OPERATION, "UPDATE", "revise")]},
            "agent": agents,
            "entity": _entities(case.origin),
        }
    )


def _type(code: Json) -> Json:
    return {"coding": [code]}


def _ref(ref: Json | None) -> str | None:
    return str(ref["reference"]) if ref and "reference" in ref else None


def _org_or_absent(organization: str | None) -> Json:
    if organization:
        return {"reference": organization}
    return {"extension": [{"url": _DATA_ABSENT, "valueCode": "unknown"}]}


def _source_author(origin: CaseOrigin) -> Json:
    """The organization that wrote the data on its server (absolute), else that server."""
    if origin.organization:
        who: Json = {"reference": f"{origin.server.rstrip('/')}/{origin.organization}"}
    else:
        who = {"identifier": {"system": _SERVER, "value": origin.server}}
    return {"type": _type(AUTHOR), "who": who}


def _transmitter(organization: str | None) -> Json:
    return {"type": _type(TRANSMITTER), "who": _org_or_absent(organization)}


def _entities(origin: CaseOrigin | None) -> list[Json]:
    if origin is None:
        return []
    base = origin.server.rstrip("/")
    return [
        {
            "role": "source",
            "what": {
                "reference": f"{base}/{item.resource}"
                + (f"/_history/{item.version}" if item.version else "")
            },
        }
        for item in origin.resources
    ]

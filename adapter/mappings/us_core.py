"""The US realm edition: the plain mapping output shaped for US Core 6.1.0 (a pure pass).

:func:`apply_us_core` takes the resources of one case as the mapping modules wrote them and the
case itself, and returns copies that

- claim the US Core profile of their type in ``meta.profile`` (CarePlan and Goal: the adapter's
  US edition profiles ``cm-us-careplan`` / ``cm-us-goal``, derived from US Core's, and US Core's
  own; EpisodeOfCare and Task keep ``cm-*``, US Core has no profile for them);
- CarePlan and Goal: a generated narrative (``text.status = generated``, every value escaped);
  CarePlan ``contributor`` (the plan's author, the case manager, the client when goals were
  agreed with them);
- CareTeam: each role coded in a standard system too (NUCC provider taxonomy, SNOMED CT) beside
  the local code, where one fits;
- Provenance: a Practitioner agent acts ``onBehalfOf`` their organization, always a reference
  (:func:`adapter.mappings.us_provenance.on_behalf_of`: an Organization written with the case
  when the case only names it); an author that the case does not name is marked data-absent
  instead of a bare display;
- Practitioner: ``name.family``/``given`` split from the recorded name (US Core requires a
  family name); Organization and RelatedPerson (a caregiver): ``active``; Patient: an
  identifier the case holds without a system (an MRN from an unnamed assigner) gets a
  data-absent system, as US Core requires one.

Readers ignore all of it (the local codes, identifiers and extensions stay as they were), so
a US edition resource reads back into the same case. Runs before the namespace pass.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any, Final

from adapter.canonical import profile
from adapter.mappings.context import Refs
from adapter.mappings.datatypes import Json, coding
from adapter.mappings.us_provenance import employer_organizations, on_behalf_of
from adapter.model.case import Case
from adapter.model.codes import CareTeamRole
from adapter.realm import us_core_profile

__all__ = ["ROLE_CODINGS", "US_PROFILES", "apply_us_core"]

_NUCC: Final = "http://nucc.org/provider-taxonomy"
_SCT: Final = "http://snomed.info/sct"
_DATA_ABSENT: Final = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
_XHTML: Final = "http://www.w3.org/1999/xhtml"

#: The profiles each resource type claims in the US edition (written in URL order).
US_PROFILES: Final[Mapping[str, tuple[str, ...]]] = {
    "Patient": (us_core_profile("us-core-patient"),),
    "Practitioner": (us_core_profile("us-core-practitioner"),),
    "Organization": (us_core_profile("us-core-organization"),),
    "RelatedPerson": (us_core_profile("us-core-relatedperson"),),
    "CareTeam": (us_core_profile("us-core-careteam"),),
    "Condition": (us_core_profile("us-core-condition-problems-health-concerns"),),
    "ServiceRequest": (us_core_profile("us-core-servicerequest"),),
    "Provenance": (us_core_profile("us-core-provenance"),),
    "Goal": (profile("cm-us-goal"), us_core_profile("us-core-goal")),
    "CarePlan": (profile("cm-us-careplan"), us_core_profile("us-core-careplan")),
}
#: The base edition's own profiles that a US edition profile replaces (it derives from them).
_REPLACED: Final = {profile("cm-goal"), profile("cm-careplan")}

#: A standard coding for care team roles that have one (NUCC provider taxonomy for providers,
#: SNOMED CT for roles that are no provider type); the others keep their local code only:
#: therapist and behavioral-health name a family of provider types (NUCC 225*, 101Y*, 103T*,
#: 2084P*) rather than one, and payer representative, employer contact, claims adjuster,
#: legal representative and service provider have no NUCC or SNOMED CT code of their own.
ROLE_CODINGS: Final[Mapping[CareTeamRole, Json]] = {
    CareTeamRole.CASE_MANAGER: coding(_NUCC, "171M00000X", "Case Manager/Care Coordinator"),
    CareTeamRole.NURSE: coding(_NUCC, "163W00000X", "Registered Nurse"),
    CareTeamRole.SOCIAL_WORKER: coding(_NUCC, "104100000X", "Social Worker"),
    CareTeamRole.PHARMACIST: coding(_NUCC, "183500000X", "Pharmacist"),
    CareTeamRole.DIETITIAN: coding(_NUCC, "133V00000X", "Dietitian, Registered"),
    CareTeamRole.COMMUNITY_HEALTH_WORKER: coding(_NUCC, "172V00000X", "Community Health Worker"),
    # NUCC's Rehabilitation Counselor is the vocational rehabilitation counselor.
    CareTeamRole.VOCATIONAL_COUNSELOR: coding(_NUCC, "225C00000X", "Rehabilitation Counselor"),
    CareTeamRole.PHYSICIAN: coding(_SCT, "309343006", "Physician"),
    CareTeamRole.CAREGIVER: coding(_SCT, "133932002", "Caregiver"),
    CareTeamRole.FAMILY_CAREGIVER: coding(_SCT, "133932002", "Caregiver"),
    CareTeamRole.GUARDIAN: coding(_SCT, "58626002", "Legal guardian"),
}

_TITLES: Final = {"dr", "mr", "mrs", "ms", "mx", "prof"}


def apply_us_core(
    resources: Sequence[Mapping[str, Any]], case: Case, *, organization: str | None = None
) -> list[Json]:
    """Copies of one case's plain mapping output, shaped for and claiming US Core 6.1.0;
    ``organization`` is the configured one (``Organization/<id>``), if any."""
    goals = {str(r.get("id")): r for r in resources if r.get("resourceType") == "Goal"}
    out: list[Json] = []
    for resource in _with_employers(resources, case):
        shaped: Json = copy.deepcopy(dict(resource))
        kind = str(shaped.get("resourceType"))
        if kind == "CarePlan":
            _care_plan(shaped, case, goals)
        elif kind == "Goal":
            shaped["text"] = _narrative(_goal_rows(shaped))
        elif kind == "CareTeam":
            _care_team(shaped, case)
        elif kind == "Provenance":
            _provenance(shaped, case, organization)
        elif kind == "Practitioner":
            shaped["name"] = [_person_name(n) for n in shaped.get("name", [])]
        elif kind in ("Organization", "RelatedPerson"):
            shaped.setdefault("active", True)
        elif kind == "Patient":
            shaped["identifier"] = [_with_system(i) for i in shaped.get("identifier", [])]
        _claim(shaped)
        out.append(_in_fhir_order(shaped))
    return out


def _with_employers(resources: Sequence[Mapping[str, Any]], case: Case) -> list[Mapping[str, Any]]:
    """The Organizations the care team's professionals act for (by name only in the case),
    right before the first resource that may reference them (a Provenance), else last."""
    employers = employer_organizations(case)
    at = next(
        (i for i, r in enumerate(resources) if r.get("resourceType") == "Provenance"),
        len(resources),
    )
    return [*resources[:at], *employers, *resources[at:]]


def _in_fhir_order(resource: Json) -> Json:
    """``meta`` and ``text`` where FHIR's JSON puts them: right after the type and id."""
    head = ("resourceType", "id", "meta", "text")
    ordered = {key: resource[key] for key in head if key in resource}
    return {**ordered, **{k: v for k, v in resource.items() if k not in head}}


def _claim(resource: Json) -> None:
    claims = US_PROFILES.get(str(resource["resourceType"]))
    if claims is None:
        return
    meta = dict(resource.get("meta") or {})
    kept = [p for p in meta.get("profile", []) if p not in _REPLACED]
    # Sorted: HAPI keeps meta.profile as a set and answers in URL order, so a resource read
    # back must list them in that order to hash (and verify) as what was sent.
    meta["profile"] = sorted({*claims, *kept})
    resource["meta"] = meta


def _narrative(rows: Sequence[tuple[str, str | None]], items: Sequence[str] = ()) -> Json:
    """A generated narrative: a table of label/value rows and an optional list, escaped."""
    cells = "".join(
        f"<tr><th>{escape(label, quote=False)}</th><td>{escape(value, quote=False)}</td></tr>"
        for label, value in rows
        if value
    )
    listed = "".join(f"<li>{escape(item, quote=False)}</li>" for item in items)
    body = f"<table><tbody>{cells}</tbody></table>" + (f"<ul>{listed}</ul>" if listed else "")
    return {"status": "generated", "div": f'<div xmlns="{_XHTML}">{body}</div>'}


def _text(concept: Mapping[str, Any] | None) -> str | None:
    if not concept:
        return None
    if concept.get("text"):
        return str(concept["text"])
    first = (concept.get("coding") or [{}])[0]
    return str(first.get("display") or first.get("code") or "") or None


def _goal_rows(goal: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    target = (goal.get("target") or [{}])[0]
    return [
        ("Goal", _text(goal.get("description"))),
        ("Status", goal.get("lifecycleStatus")),
        ("Achievement", _text(goal.get("achievementStatus"))),
        ("Start", goal.get("startDate")),
        ("Target", _text(target.get("measure"))),
        ("Due", target.get("dueDate")),
    ]


def _care_plan(plan: Json, case: Case, goals: Mapping[str, Mapping[str, Any]]) -> None:
    period = plan.get("period") or {}
    span = " to ".join(p for p in (period.get("start"), period.get("end")) if p) or None
    listed = []
    for ref in plan.get("goal", []):
        goal = goals.get(str(ref.get("reference", "")).rpartition("/")[2])
        if goal is not None:
            listed.append(f"Goal: {_text(goal.get('description')) or goal.get('id')}")
    rows = [("Plan of care", plan.get("title")), ("Status", plan.get("status")), ("Period", span)]
    plan["text"] = _narrative(rows, listed)
    refs = Refs.of(case)
    contributors = [refs.member(case.plan.author_id if case.plan else None)]
    contributors.append(refs.member(case.case_manager_id))
    if case.plan is not None and any(g.agreed_with_client for g in case.plan.goals):
        contributors.append(refs.patient())
    unique = {str(c["reference"]): c for c in contributors if c is not None}
    if unique:
        plan["contributor"] = list(unique.values())


def _care_team(team: Json, case: Case) -> None:
    roles = {m.id: m.role for m in case.care_team}
    refs = Refs.of(case)
    by_ref = {str((refs.member(m) or {}).get("reference")): m for m in roles}
    for participant in team.get("participant", []):
        member_id = by_ref.get(str((participant.get("member") or {}).get("reference")))
        standard = ROLE_CODINGS.get(roles[member_id]) if member_id is not None else None
        if standard is None:
            continue
        for role in participant.get("role", []):
            role["coding"] = [*role.get("coding", []), dict(standard)]


def _provenance(provenance: Json, case: Case, organization: str | None) -> None:
    refs = Refs.of(case)
    by_ref = {str((refs.member(m.id) or {}).get("reference")): m.id for m in case.care_team}
    for agent in provenance.get("agent", []):
        who = agent.get("who") or {}
        if "reference" not in who:
            agent["who"] = {**who, "extension": [_absent("unknown")]}
            continue
        behalf = on_behalf_of(case, by_ref.get(str(who["reference"])), organization)
        if behalf is not None:
            agent["onBehalfOf"] = behalf


def _absent(reason: str) -> Json:
    return {"url": _DATA_ABSENT, "valueCode": reason}


def _person_name(name: Mapping[str, Any]) -> Json:
    """``Dr. Omar Saleh`` -> prefix Dr., given Omar, family Saleh; ``Mia Chen, RD`` -> suffix RD.
    The recorded text stays (readers use it); a name with no word left is data-absent."""
    if name.get("family") or not name.get("text"):
        return dict(name)
    person, _, after = str(name["text"]).partition(",")
    words = person.split()
    prefix = [w for w in words if w.rstrip(".").lower() in _TITLES]
    rest = [w for w in words if w not in prefix]
    out: Json = {"text": name["text"]}
    if rest:
        out["family"] = rest[-1]
        if rest[:-1]:
            out["given"] = rest[:-1]
    else:
        out["_family"] = {"extension": [_absent("unknown")]}
    if prefix:
        out["prefix"] = prefix
    if after.split():
        out["suffix"] = after.split()
    return out


def _with_system(identifier: Mapping[str, Any]) -> Json:
    if identifier.get("system"):
        return dict(identifier)
    return {**identifier, "_system": {"extension": [_absent("unknown")]}}

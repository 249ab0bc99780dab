"""A whole case <-> a FHIR transaction Bundle (or a plain list of resources).

Every entry is a ``PUT <Type>/<deterministic id>``, so sending the same case twice is an
idempotent upsert. Entries are ordered so that referenced resources come first, except for the
cycles FHIR itself builds in (EpisodeOfCare.team <-> CareTeam's episode link, EpisodeOfCare.
diagnosis <-> Condition, CarePlan.activity <-> Task.basedOn); a transaction resolves those as
one unit. All references are relative (``<Type>/<id>``) and resolve inside the bundle.

``namespace`` (keyword-only everywhere) moves the output into a namespace (see
:mod:`adapter.mappings.namespace`); without one the output is the plain form, byte for byte.
On the way back, ``bundle_to_case`` reads any namespace unless it is given one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from adapter.errors import MappingError
from adapter.mappings.datatypes import Json
from adapter.mappings.ids import resource_id, uuid5_hex
from adapter.mappings.namespace import apply_namespace, select_namespace
from adapter.mappings.reading import CaseReader
from adapter.mappings.resources import (
    assessment,
    care_plan,
    care_team,
    communication,
    condition,
    consent,
    coverage,
    episode_of_care,
    goal,
    observation,
    patient,
    provenance,
    risk_assessment,
    service_request,
    task,
)
from adapter.mappings.us_core import apply_us_core
from adapter.model.case import Case
from adapter.realm import Realm, current_organization, current_realm

__all__ = ["bundle_to_case", "case_to_bundle", "case_to_resources", "full_url"]


def case_to_resources(
    case: Case, *, namespace: str | None = None, realm: Realm | None = None
) -> list[Json]:
    """Every resource of a case, referenced resources first, in ``namespace`` if given, in the
    ``realm`` edition (default: the configured one, ``ADAPTER_REALM``)."""
    # A client or member linked to the server's own resource (``fhir_id``) is referenced, never
    # written: the EHR owns that Patient, Practitioner or Organization.
    client = case.client
    out = [] if client.fhir_id else [patient.to_fhir(client)]
    patient_id = client.fhir_id or resource_id("patient", client.id)
    out += [
        observation.preference_to_fhir(p, client=client, patient_id=patient_id)
        for p in client.preferences
    ]
    out += [care_team.member_to_fhir(m, case=case) for m in case.care_team if not m.fhir_id]
    out += [coverage.to_fhir(c, case=case) for c in case.coverages]
    out += [consent.to_fhir(c, case=case) for c in case.consents]
    out.append(service_request.to_fhir(case.referral, case=case))
    out.append(episode_of_care.to_fhir(case))
    if case.care_team:
        out.append(care_team.to_fhir(case))
    if case.screening is not None:
        out += [
            observation.criterion_to_fhir(c, screening=case.screening, case=case)
            for c in case.screening.criteria
        ]
        out.append(risk_assessment.to_fhir(case.screening, case=case))
    for item in case.assessments:
        out += [assessment.score_to_fhir(s, assessment=item, case=case) for s in item.scores]
        out.append(assessment.to_fhir(item, case=case))
    out += [condition.to_fhir(n, case=case) for n in case.needs]
    out += _plan_resources(case)
    out += [service_request.service_to_fhir(t, case=case) for t in case.tasks if t.service]
    out += [task.to_fhir(t, case=case) for t in case.tasks]
    out += [observation.outcome_to_fhir(o, case=case) for o in case.outcomes]
    out += [communication.to_fhir(n, case=case) for n in case.notes]
    closure = provenance.closure_to_fhir(case)
    if closure is not None:
        out.append(closure)
    if (realm or current_realm()) == "us":
        out = apply_us_core(out, case, organization=current_organization())
    return out if namespace is None else apply_namespace(out, namespace)


def _plan_resources(case: Case) -> list[Json]:
    plan = case.plan
    if plan is None:
        return []
    out = [goal.to_fhir(g, case=case) for g in plan.goals]
    out += [
        observation.progress_to_fhir(p, goal=g, case=case) for g in plan.goals for p in g.progress
    ]
    out.append(care_plan.to_fhir(plan, case=case))
    out += [provenance.to_fhir(r, plan=plan, case=case) for r in plan.revisions]
    return out


def full_url(resource: Mapping[str, Any]) -> str:
    """The entry fullUrl of a resource: a urn:uuid derived from ``<Type>/<id>`` (stable)."""
    key = f"{resource['resourceType']}/{resource['id']}"
    h = uuid5_hex(key)
    return f"urn:uuid:{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def case_to_bundle(case: Case, *, namespace: str | None = None, realm: Realm | None = None) -> Json:
    """A transaction Bundle that upserts every resource of the case (in ``namespace``, in the
    ``realm`` edition)."""
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": full_url(resource),
                "resource": resource,
                "request": {"method": "PUT", "url": f"{resource['resourceType']}/{resource['id']}"},
            }
            for resource in case_to_resources(case, namespace=namespace, realm=realm)
        ],
    }


def bundle_to_case(
    source: Mapping[str, Any] | Iterable[Mapping[str, Any]],
    *,
    warnings: list[str] | None = None,
    namespace: str | None = None,
) -> Case:
    """The case held by a Bundle (any type) or a list of resources.

    Exactly one EpisodeOfCare must be present. Resources that belong to no part of the case
    (foreign Observations, unknown resource types) are skipped; each skip appends a message to
    ``warnings`` (resource type and id only, never content). With ``namespace``, resources
    written under another namespace are skipped too; without, every namespace is read.
    """
    skipped: list[str] = []
    resources = select_namespace(_resources(source), namespace=namespace, warnings=skipped)
    reader = CaseReader(resources)
    reader.index.warnings[:0] = skipped
    try:
        return reader.case()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise MappingError(
            f"the resources do not make a valid case: {where}: {first['msg']}",
            resource=reader.episode_key(),
        ) from None
    finally:
        if warnings is not None:
            warnings.extend(reader.index.warnings)


def _resources(source: Mapping[str, Any] | Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    if isinstance(source, Mapping):
        if source.get("resourceType") != "Bundle":
            return [source]
        return [e["resource"] for e in source.get("entry", []) if "resource" in e]
    return list(source)

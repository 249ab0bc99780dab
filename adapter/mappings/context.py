"""Who points at whom: resource ids and references for one case, both directions.

:class:`Refs` turns internal ids into references (forward mapping); :class:`Index` turns
references found in FHIR resources back into internal ids (reverse mapping), using the business
identifiers of the resources at hand and, for resources written by other systems, the FHIR id.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from adapter.errors import MappingError
from adapter.mappings.datatypes import Json, identifier, reference, reference_id
from adapter.mappings.identifiers import own_identifier
from adapter.mappings.ids import resource_id
from adapter.model.case import Case
from adapter.model.codes import MemberKind

__all__ = ["MEMBER_TYPES", "RESOURCE_TYPES", "Index", "Refs", "amount", "fhir_number", "warn"]

log = logging.getLogger("adapter.mappings")

#: FHIR resource type of each kind of care team member.
MEMBER_TYPES: Mapping[MemberKind, str] = {
    MemberKind.PROFESSIONAL: "Practitioner",
    MemberKind.CAREGIVER: "RelatedPerson",
    MemberKind.ORGANIZATION: "Organization",
}

#: Every resource type a case maps to, each where its first resource appears in a case's
#: bundle (what ``sandbox clean`` searches, and the order it reports in).
RESOURCE_TYPES: tuple[str, ...] = (
    "Patient", "Observation", *MEMBER_TYPES.values(), "Coverage", "Consent", "ServiceRequest",
    "EpisodeOfCare", "CareTeam", "RiskAssessment", "Condition", "Goal", "CarePlan", "Provenance",
    "Task", "Communication",
)  # fmt: skip


@dataclass(frozen=True)
class Refs:
    """Ids, business identifiers and references of the resources of one case."""

    case_id: str
    client_id: str
    members: Mapping[str, MemberKind]
    plan_id: str | None
    patient_fhir_id: str | None = None  # the EHR's Patient, when the case links to it
    member_fhir_ids: Mapping[str, str] = field(default_factory=dict)  # linked members

    @classmethod
    def of(cls, case: Case) -> Refs:
        """The references of ``case``."""
        return cls(
            case_id=case.id,
            client_id=case.client.id,
            members={m.id: m.kind for m in case.care_team},
            plan_id=case.plan.id if case.plan is not None else None,
            patient_fhir_id=case.client.fhir_id,
            member_fhir_ids={m.id: m.fhir_id for m in case.care_team if m.fhir_id is not None},
        )

    def id(self, kind: str, *key: str) -> str:
        """The resource id of a record of this case (``key`` below the case)."""
        return resource_id(kind, self.case_id, *key)

    def identifier(self, kind: str, *key: str) -> Json:
        """The business identifier of a record of this case: ``<case id>/<key>``."""
        return identifier(kind, "/".join((self.case_id, *key)))

    def patient(self) -> Json:
        return reference("Patient", self.patient_fhir_id or resource_id("patient", self.client_id))

    def episode(self) -> Json:
        return reference("EpisodeOfCare", resource_id("case", self.case_id))

    def care_team(self) -> Json:
        return reference("CareTeam", self.id("care-team"))

    def careplan(self) -> Json | None:
        if self.plan_id is None:
            return None
        return reference("CarePlan", self.id("careplan", self.plan_id))

    def member_type(self, member_id: str) -> str:
        return MEMBER_TYPES[self.members[member_id]]

    def member(self, member_id: str | None) -> Json | None:
        if member_id is None:
            return None
        linked = self.member_fhir_ids.get(member_id)
        return reference(self.member_type(member_id), linked or self.id("member", member_id))

    def record(self, resource_type: str, kind: str, record_id: str | None) -> Json | None:
        """A reference to the ``kind`` record ``record_id`` (a goal, a need, a task ...)."""
        if record_id is None:
            return None
        return reference(resource_type, self.id(kind, record_id))


@dataclass
class Index:
    """Maps ``<Type>/<id>`` of the resources at hand to the internal ids they carry."""

    internal: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, resources: Iterable[Mapping[str, Any]]) -> Index:
        index = cls()
        for resource in resources:
            key = f"{resource.get('resourceType')}/{resource.get('id')}"
            own = own_identifier(resource)
            value = None if own is None else own.value
            if value is not None:
                index.internal[key] = value.rpartition("/")[2]
        return index

    def lookup(
        self, ref: Mapping[str, Any] | None, resource_type: str, *, where: str
    ) -> str | None:
        """The internal id behind a reference; the FHIR id when the target is not ours."""
        target = reference_id(ref, resource_type, where=where)
        if target is None:
            return None
        return self.internal.get(f"{resource_type}/{target}", target)

    def lookup_any(self, ref: Mapping[str, Any] | None, *, where: str) -> str | None:
        """Like :meth:`lookup`, for references whose target type varies (care team members)."""
        text = (ref or {}).get("reference")
        if not isinstance(text, str) or "/" not in text:
            return None
        resource_type = text.split("/_history/")[0].split("/")[-2]
        return self.lookup(ref, resource_type, where=where)

    def warn(self, resource: Mapping[str, Any], message: str) -> None:
        warn(self.warnings, resource, message)


def warn(sink: list[str], resource: Mapping[str, Any], message: str) -> None:
    """Record a warning about a resource; names only its type and id, never its content."""
    text = f"{resource.get('resourceType')}/{resource.get('id')}: {message}"
    sink.append(text)
    log.warning("%s", text)


def fhir_number(value: Decimal | None) -> Decimal | None:
    """A FHIR decimal exactly as the case holds it: ``21000.00`` keeps its two places on the
    wire (:mod:`adapter.fhir.json_body` writes Decimals as their own digits)."""
    return value


def amount(value: Any, *, where: str) -> Decimal | None:
    """A JSON number as a Decimal, exactly as written (``str`` avoids binary-float noise)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise MappingError("not a number", element=where, code=str(value))
    return Decimal(str(value))

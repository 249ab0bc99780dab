"""Reassembling a case from its resources (the reverse of :func:`bundle.case_to_resources`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from adapter.errors import MappingError
from adapter.mappings import extensions
from adapter.mappings.context import MEMBER_TYPES, RESOURCE_TYPES, Index
from adapter.mappings.datatypes import extension_values, find_extension
from adapter.mappings.extensions import PERTAINS_TO_GOAL, PLAN_REVISION_NUMBER
from adapter.mappings.identifiers import own_identifier
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
from adapter.model.case import Case
from adapter.model.plan import PlanOfCare

__all__ = ["CaseReader"]

Resource = Mapping[str, Any]
_KNOWN = frozenset(RESOURCE_TYPES)


_KNOWN_EXTENSIONS = {getattr(extensions, name) for name in extensions.__all__}


def _kind(resource: Resource) -> str | None:
    own = own_identifier(resource)
    return None if own is None else own.kind


class CaseReader:
    """Indexes a set of resources and maps them back into one :class:`Case`."""

    def __init__(self, resources: Sequence[Resource]) -> None:
        self.index = Index.of(resources)
        self.by_key = {f"{r.get('resourceType')}/{r.get('id')}": r for r in resources}
        self.resources = list(resources)
        for resource in self.resources:
            if resource.get("resourceType") not in _KNOWN:
                self.index.warn(resource, "resource type is not part of a case; skipped")
            for item in resource.get("extension", []):
                if item.get("url") not in _KNOWN_EXTENSIONS:
                    self.index.warn(resource, f"extension {item.get('url')} ignored")

    def of_type(self, resource_type: str, kind: str | None = None) -> list[Resource]:
        found = [r for r in self.resources if r.get("resourceType") == resource_type]
        return found if kind is None else [r for r in found if _kind(r) == kind]

    def episode(self) -> Resource:
        episodes = self.of_type("EpisodeOfCare")
        if len(episodes) != 1:
            raise MappingError(f"expected exactly one EpisodeOfCare, found {len(episodes)}")
        return episodes[0]

    def episode_key(self) -> str | None:
        episodes = self.of_type("EpisodeOfCare")
        return f"EpisodeOfCare/{episodes[0].get('id')}" if episodes else None

    def target(self, ref: Any, resource_type: str, where: str) -> Resource:
        key = str((ref or {}).get("reference", ""))
        found = self.by_key.get(key)
        if found is None or found.get("resourceType") != resource_type:
            raise MappingError(
                "reference does not resolve inside the bundle", element=where, code=key or None
            )
        return found

    def case(self) -> Case:
        episode = self.episode()
        fields = episode_of_care.from_fhir(episode, index=self.index)
        referrals = episode.get("referralRequest", [])
        if not referrals:
            raise MappingError(
                "a case needs its referral", resource=self.episode_key(), element="referralRequest"
            )
        referral = self.target(referrals[0], "ServiceRequest", "EpisodeOfCare.referralRequest")
        return Case(
            id=fields.id,
            program=fields.program,
            setting=fields.setting,
            status=fields.status,
            client=self._client(episode),
            referral=service_request.from_fhir(referral, index=self.index),
            screening=self._screening(),
            consents=tuple(consent.from_fhir(r, index=self.index) for r in self.of_type("Consent")),
            case_manager_id=fields.case_manager_id,
            care_team=tuple(self._care_team()),
            coverages=tuple(coverage.from_fhir(r) for r in self.of_type("Coverage")),
            opened_on=fields.opened_on,
            closed_on=fields.closed_on,
            closure_reason=fields.closure_reason,
            closure_note=fields.closure_note,
            assessments=tuple(self._assessments()),
            needs=tuple(
                condition.from_fhir(r, index=self.index) for r in self.of_type("Condition")
            ),
            plan=self._plan(),
            tasks=tuple(self._tasks()),
            notes=tuple(
                communication.from_fhir(r, index=self.index) for r in self.of_type("Communication")
            ),
            outcomes=tuple(
                observation.outcome_from_fhir(r, index=self.index)
                for r in self.of_type("Observation", "outcome")
            ),
            related_cases=fields.related_cases,
        )

    def _client(self, episode: Resource) -> Any:
        resource = self.target(episode.get("patient"), "Patient", "EpisodeOfCare.patient")
        preferences = [
            observation.preference_from_fhir(r) for r in self.of_type("Observation", "preference")
        ]
        return patient.from_fhir(resource, preferences=preferences)

    def _care_team(self) -> Any:
        teams = self.of_type("CareTeam")
        members = {
            key: r
            for key, r in self.by_key.items()
            if r.get("resourceType") in MEMBER_TYPES.values()
            # the US edition's Organizations that members only name are no members themselves
            and not str(r.get("id", "")).startswith("cm-organization-")
        }
        return care_team.from_fhir(teams[0] if teams else None, members, index=self.index)

    def _screening(self) -> Any:
        risks = self.of_type("RiskAssessment")
        if not risks:
            return None
        basis = [
            self.target(ref, "Observation", "RiskAssessment.basis")
            for ref in risks[0].get("basis", [])
        ]
        criteria = [observation.criterion_from_fhir(r) for r in basis]
        return risk_assessment.from_fhir(risks[0], index=self.index, criteria=criteria)

    def _assessments(self) -> Any:
        for panel in self.of_type("Observation", "assessment"):
            members = [
                self.target(ref, "Observation", "Observation.hasMember")
                for ref in panel.get("hasMember", [])
            ]
            scores = [assessment.score_from_fhir(r) for r in members]
            yield assessment.from_fhir(panel, index=self.index, scores=scores)

    def _plan(self) -> PlanOfCare | None:
        plans = self.of_type("CarePlan")
        if not plans:
            return None
        plan = plans[0]
        goals = [self.target(ref, "Goal", "CarePlan.goal") for ref in plan.get("goal", [])]
        key = f"CarePlan/{plan.get('id')}"
        revisions = sorted(
            (
                provenance.from_fhir(r, index=self.index)
                for r in self.of_type("Provenance")
                if find_extension(r, PLAN_REVISION_NUMBER)
                and any(t.get("reference") == key for t in r.get("target", []))
            ),
            key=lambda revision: revision.number,
        )
        return care_plan.from_fhir(
            plan,
            index=self.index,
            goals=[goal.from_fhir(g, index=self.index, progress=self._progress(g)) for g in goals],
            revisions=revisions,
        )

    def _progress(self, resource: Resource) -> Any:
        key = f"Goal/{resource.get('id')}"
        return [
            observation.progress_from_fhir(r, index=self.index)
            for r in self.of_type("Observation", "goal-progress")
            if any(
                ref.get("reference") == key
                for ref in extension_values(r, PERTAINS_TO_GOAL, "valueReference")
            )
        ]

    def _tasks(self) -> Any:
        for resource in self.of_type("Task"):
            focus = resource.get("focus")
            service = None
            if focus is not None and str(focus.get("reference", "")).startswith("ServiceRequest/"):
                request = self.target(focus, "ServiceRequest", "Task.focus")
                service = (request.get("code") or {}).get("text")
            yield task.from_fhir(resource, index=self.index, service=service)

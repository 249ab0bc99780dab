"""Which case a resource read from a server belongs to.

A case is an EpisodeOfCare and everything tied to it. Resources the adapter wrote say so in
their business identifier (``<case id>/<record id>``); resources written by other systems are
tied by references, followed both ways:

- forward: whatever a resource of the case points at (its Patient, referral, care manager,
  Goals of the CarePlan, the basis of a RiskAssessment ...);
- backward: whatever points at the case's EpisodeOfCare, CarePlan, Goals or Tasks (the
  workflow-episodeOfCare and task-episode-of-care extensions, ``Task.basedOn``, a progress
  Observation's pertainsToGoal, ``Provenance.target``). Never backward through a Patient,
  Practitioner or Condition, which several cases of one client share, except for the adapter's
  records of the client itself (its preferences): those join every case of their Patient.

Real data is often linked only to the patient (docs/import.md): a CarePlan no EpisodeOfCare
ties to is a case of its own (:attr:`CaseGroup.derived`), a Consent of the patient joins every
case of the patient, and a Goal or Task tied to nothing but the patient joins the patient's
case when there is exactly one. :attr:`CaseGroup.via` says how each resource joined.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from adapter.sync.resources import CLIENT_KINDS, key_text, own_case_id, own_kind, references

__all__ = ["CaseGroup", "group_cases", "unlinked"]

Resource = Mapping[str, Any]

#: Resource types only one case points at: a resource pointing at one of them joins that case.
BACKWARD_TARGETS: Final = frozenset({"EpisodeOfCare", "CarePlan", "Goal", "Task"})


#: Foreign resources tied only to the patient that join the patient's case(s) anyway.
BY_PATIENT_ONLY: Final = frozenset({"Consent", "Goal", "Task"})


@dataclass
class CaseGroup:
    """One EpisodeOfCare (or a CarePlan standing for one) and the resources tied to it, the
    episode or plan first. ``via`` maps each member's ``Type/id`` to how it joined."""

    episode: Resource
    resources: list[Resource] = field(default_factory=list)
    via: dict[str, str] = field(default_factory=dict)
    derived: bool = False
    """The case has no EpisodeOfCare: ``episode`` is its CarePlan."""

    @property
    def episode_key(self) -> str:
        return key_text(self.episode)

    @property
    def case_id(self) -> str | None:
        """The case id the adapter's identifier gives the episode, if it carries one."""
        return own_case_id(self.episode)


def group_cases(resources: Iterable[Resource]) -> list[CaseGroup]:
    """One group per EpisodeOfCare among ``resources``, in the order the episodes came, then
    one per CarePlan no episode took (:attr:`CaseGroup.derived`).

    A resource may sit in several groups (a Practitioner on two cases' care teams); a resource
    the adapter wrote only ever joins the case its identifier names.
    """
    links = _Links({key_text(r): r for r in resources})
    groups = [
        links.group(episode)
        for episode in links.by_key.values()
        if episode.get("resourceType") == "EpisodeOfCare"
    ]
    taken = {key for group in groups for key in group.via}
    for key, plan in links.by_key.items():
        if plan.get("resourceType") == "CarePlan" and key not in taken:
            group = links.group(plan)
            group.derived = True
            groups.append(group)
            taken |= group.via.keys()
    _join_by_patient(links.by_key, groups, taken)
    return groups


def unlinked(resources: Iterable[Resource], groups: Iterable[CaseGroup]) -> list[str]:
    """``Type/id`` of the Goals and Tasks among ``resources`` that joined no case."""
    taken = {key for group in groups for key in group.via}
    return [
        key_text(r)
        for r in resources
        if r.get("resourceType") in ("Goal", "Task") and key_text(r) not in taken
    ]


def _join_by_patient(
    by_key: Mapping[str, Resource], groups: list[CaseGroup], taken: set[str]
) -> None:
    by_patient: dict[str, list[CaseGroup]] = {}
    for group in groups:
        for key in references(group.episode):
            if key.startswith("Patient/"):
                by_patient.setdefault(key, []).append(group)
    for key, resource in by_key.items():
        kind = resource.get("resourceType")
        if kind not in BY_PATIENT_ONLY or own_case_id(resource) is not None:
            continue
        if kind != "Consent" and key in taken:
            continue
        patients = {k for k in references(resource) if k.startswith("Patient/")}
        cases = [g for p in sorted(patients) for g in by_patient.get(p, [])]
        if kind != "Consent" and len(cases) != 1:
            continue
        for group in cases:
            if key not in group.via:
                group.resources.append(resource)
                group.via[key] = "by patient" if kind == "Consent" else "by patient, one case"


class _Links:
    def __init__(self, by_key: Mapping[str, Resource]) -> None:
        self.by_key = by_key
        self.outgoing = {key: set(references(r)) & by_key.keys() for key, r in by_key.items()}
        self.incoming: dict[str, set[str]] = {}
        for source, targets in self.outgoing.items():
            client_record = own_kind(by_key[source]) in CLIENT_KINDS
            for target in targets:
                kind = target.split("/", 1)[0]
                if kind in BACKWARD_TARGETS or (client_record and kind == "Patient"):
                    self.incoming.setdefault(target, set()).add(source)

    def group(self, episode: Resource) -> CaseGroup:
        case_id = own_case_id(episode)
        start = key_text(episode)
        plan_only = episode.get("resourceType") == "CarePlan"
        # The adapter's own records of the case join by identifier, linked or not (a Consent,
        # a Coverage point only at the Patient).
        via = {start: "the case"}
        for key, resource in self.by_key.items():
            if case_id is not None and key != start and own_case_id(resource) == case_id:
                via[key] = "identifier"
        pending = list(via)
        while pending:
            current = pending.pop()
            for key in self.outgoing[current]:
                self._visit(key, f"{current} refers to it", via, pending, case_id, plan_only)
            for key in self.incoming.get(current, set()):
                self._visit(key, f"refers to {current}", via, pending, case_id, plan_only)
        rest = [r for k, r in self.by_key.items() if k in via and k != start]
        return CaseGroup(episode, [episode, *rest], via)

    def _visit(
        self,
        key: str,
        how: str,
        via: dict[str, str],
        pending: list[str],
        case_id: str | None,
        plan_only: bool,
    ) -> None:
        resource = self.by_key[key]
        if key in via or not _may_join(resource, case_id):
            return
        if plan_only and resource.get("resourceType") == "CarePlan":
            return  # each CarePlan without an episode is a case of its own
        via[key] = how
        pending.append(key)


def _may_join(resource: Resource, case_id: str | None) -> bool:
    owner = own_case_id(resource)
    if owner is not None:
        return owner == case_id
    # Another EpisodeOfCare is another case, however it is linked.
    return resource.get("resourceType") != "EpisodeOfCare"

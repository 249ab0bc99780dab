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
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from adapter.sync.resources import CLIENT_KINDS, key_text, own_case_id, own_kind, references

__all__ = ["CaseGroup", "group_cases"]

Resource = Mapping[str, Any]

#: Resource types only one case points at: a resource pointing at one of them joins that case.
BACKWARD_TARGETS: Final = frozenset({"EpisodeOfCare", "CarePlan", "Goal", "Task"})


@dataclass
class CaseGroup:
    """One EpisodeOfCare and the resources tied to it (the episode first)."""

    episode: Resource
    resources: list[Resource] = field(default_factory=list)

    @property
    def episode_key(self) -> str:
        return key_text(self.episode)

    @property
    def case_id(self) -> str | None:
        """The case id the adapter's identifier gives the episode, if it carries one."""
        return own_case_id(self.episode)


def group_cases(resources: Iterable[Resource]) -> list[CaseGroup]:
    """One group per EpisodeOfCare among ``resources``, in the order the episodes came.

    A resource may sit in several groups (a Practitioner on two cases' care teams); a resource
    the adapter wrote only ever joins the case its identifier names.
    """
    links = _Links({key_text(r): r for r in resources})
    return [
        links.group(episode)
        for episode in links.by_key.values()
        if episode.get("resourceType") == "EpisodeOfCare"
    ]


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
        # The adapter's own records of the case join by identifier, linked or not (a Consent,
        # a Coverage point only at the Patient).
        members = {start} | {
            k for k, r in self.by_key.items() if case_id is not None and own_case_id(r) == case_id
        }
        pending = list(members)
        while pending:
            current = pending.pop()
            for key in self.outgoing[current] | self.incoming.get(current, set()):
                if key not in members and _may_join(self.by_key[key], case_id):
                    members.add(key)
                    pending.append(key)
        rest = [r for k, r in self.by_key.items() if k in members and k != start]
        return CaseGroup(episode, [episode, *rest])


def _may_join(resource: Resource, case_id: str | None) -> bool:
    owner = own_case_id(resource)
    if owner is not None:
        return owner == case_id
    # Another EpisodeOfCare is another case, however it is linked.
    return resource.get("resourceType") != "EpisodeOfCare"

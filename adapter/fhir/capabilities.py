"""Summarising a CapabilityStatement: what the server is and what it lets us do, per resource."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["CASE_RESOURCES", "INTERACTIONS", "CapabilitySummary", "ResourceSupport", "summarise"]

CASE_RESOURCES = ("EpisodeOfCare", "CarePlan", "Goal", "Task")
INTERACTIONS = ("read", "create", "update", "search-type")


@dataclass(frozen=True)
class ResourceSupport:
    """Which interactions the server declares for one resource type."""

    resource_type: str
    interactions: dict[str, bool]
    conditional_create: bool = False
    conditional_update: bool = False

    @property
    def complete(self) -> bool:
        """True when every interaction asked about is supported."""
        return all(self.interactions.values())


@dataclass(frozen=True)
class CapabilitySummary:
    fhir_version: str | None
    software_name: str | None
    software_version: str | None
    resources: list[ResourceSupport] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def summarise(
    statement: Mapping[str, Any],
    resource_types: Sequence[str] = CASE_RESOURCES,
    interactions: Sequence[str] = INTERACTIONS,
) -> CapabilitySummary:
    """The summary of a CapabilityStatement (server-mode ``rest`` entries only)."""
    declared = _server_resources(statement)
    software = statement.get("software") or {}
    return CapabilitySummary(
        fhir_version=statement.get("fhirVersion"),
        software_name=software.get("name"),
        software_version=software.get("version"),
        resources=[_support(name, declared.get(name, {}), interactions) for name in resource_types],
    )


def _server_resources(statement: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    found: dict[str, Mapping[str, Any]] = {}
    for rest in statement.get("rest") or []:
        if rest.get("mode", "server") != "server":
            continue
        for resource in rest.get("resource") or []:
            if isinstance(resource.get("type"), str):
                found[resource["type"]] = resource
    return found


def _support(
    name: str, resource: Mapping[str, Any], interactions: Sequence[str]
) -> ResourceSupport:
    codes = {item.get("code") for item in resource.get("interaction") or []}
    return ResourceSupport(
        resource_type=name,
        interactions={code: code in codes for code in interactions},
        conditional_create=bool(resource.get("conditionalCreate")),
        conditional_update=bool(resource.get("conditionalUpdate")),
    )

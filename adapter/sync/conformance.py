"""Conformance: every resource a push of some cases writes, ``$validate``d on a FHIR server
against each profile it claims, tallied per implementation guide and profile.

The resources are exactly what a push sends (:func:`case_to_resources` in the chosen realm
edition and, in the US edition, the Provenance of the first push:
:mod:`adapter.sync.push.provenance`); nothing is written. A profile the server does not know
fails every resource that claims it (HAPI would otherwise validate against nothing and report
no error), so the server must hold the guides (a HAPI started with ``HAPI_IG_PACKAGES``). A
resource that claims no profile is validated against its base R4 resource type.

Error lines name the resource (type/id), the profile, where (FHIRPath) and the validator's
message with every quoted value blanked: messages may quote field values, which may be patient
data.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from adapter.canonical import CANONICAL_BASE
from adapter.fhir.client import FHIRClient
from adapter.mappings.bundle import case_to_resources
from adapter.mappings.datatypes import Json
from adapter.mappings.us_provenance import write_provenance
from adapter.model.case import Case
from adapter.realm import US_CORE_BASE, Realm, current_organization
from adapter.sync.hashing import content_hash

__all__ = ["BASE_GUIDE", "ConformanceReport", "ProfileTally", "check_conformance", "guide_of"]

BASE_GUIDE: Final = "FHIR R4 (base)"
_GUIDES: Final = ((f"{US_CORE_BASE}/", "US Core 6.1.0"), (f"{CANONICAL_BASE}/", "cm-adapter"))
_QUOTED: Final = re.compile(r"'[^']*'|\"[^\"]*\"")


def guide_of(profile: str | None) -> str:
    """The implementation guide a profile URL belongs to (the base spec for none)."""
    if profile is None:
        return BASE_GUIDE
    return next((name for prefix, name in _GUIDES if profile.startswith(prefix)), "other")


@dataclass
class ProfileTally:
    """Resources validated against one profile: how many passed, the errors of those that did
    not."""

    guide: str
    profile: str | None
    passed: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "guide": self.guide,
            "profile": self.profile,
            "passed": self.passed,
            "failed": self.failed,
            "warnings": self.warnings,
            "errors": list(self.errors),
        }


@dataclass
class ConformanceReport:
    realm: Realm
    cases: int = 0
    resources: int = 0
    tallies: dict[str | None, ProfileTally] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return sum(len(t.errors) for t in self.tallies.values())

    @property
    def ok(self) -> bool:
        return self.resources > 0 and all(t.failed == 0 for t in self.tallies.values())

    def tally(self, profile: str | None) -> ProfileTally:
        if profile not in self.tallies:
            self.tallies[profile] = ProfileTally(guide_of(profile), profile)
        return self.tallies[profile]

    def ordered(self) -> list[ProfileTally]:
        return sorted(self.tallies.values(), key=lambda t: (t.guide, t.profile or ""))

    def to_dict(self) -> dict[str, Any]:
        return {
            "realm": self.realm,
            "cases": self.cases,
            "resources": self.resources,
            "errors": self.errors,
            "ok": self.ok,
            "profiles": [t.to_dict() for t in self.ordered()],
        }


def _write_provenance(case: Case, written: Sequence[Mapping[str, Any]]) -> Json:
    keys = [f"{r['resourceType']}/{r['id']}" for r in written]
    return write_provenance(
        case,
        keys,
        version=content_hash({"written": keys})[:32],
        recorded=datetime.now(UTC).isoformat(timespec="seconds"),
        organization=current_organization(),
    )


async def check_conformance(
    client: FHIRClient, cases: Iterable[Case], *, realm: Realm
) -> ConformanceReport:
    """Validate what a push of ``cases`` writes (in the ``realm`` edition) on ``client``'s
    server against every profile each resource claims."""
    report = ConformanceReport(realm=realm)
    resources: list[Mapping[str, Any]] = []
    for case in cases:
        report.cases += 1
        mapped = case_to_resources(case, realm=realm)
        resources += mapped
        if realm == "us":  # and the Provenance of its first push, which writes all of them
            resources.append(_write_provenance(case, mapped))
    report.resources = len(resources)
    claimed = {p for r in resources for p in _claims(r) if p is not None}
    known = {p: await _known(client, p) for p in sorted(claimed)}
    checks = [(r, p) for r in resources for p in _claims(r)]
    found = await asyncio.gather(*(_issues(client, r, p, known) for r, p in checks))
    for (resource, profile), (errors, warnings) in zip(checks, found, strict=True):
        tally = report.tally(profile)
        tally.warnings += warnings
        name = f"{resource['resourceType']}/{resource.get('id')}"
        tally.errors += [f"{name}: {line}" for line in errors]
        if errors:
            tally.failed += 1
        else:
            tally.passed += 1
    return report


def _claims(resource: Mapping[str, Any]) -> list[str | None]:
    profiles = (resource.get("meta") or {}).get("profile") or []
    return [str(p) for p in profiles] or [None]


async def _known(client: FHIRClient, profile: str) -> bool:
    """Does the server hold this profile's StructureDefinition?"""
    async for _ in client.search("StructureDefinition", {"url": profile, "_elements": "url"}):
        return True
    return False


async def _issues(
    client: FHIRClient, resource: Mapping[str, Any], profile: str | None, known: dict[str, bool]
) -> tuple[list[str], int]:
    if profile is not None and not known[profile]:
        return ["the server does not know this profile (load its guide into the server)"], 0
    result = await client.validate(resource, profile=profile)
    errors = [_line(issue) for issue in result.errors]
    warnings = sum(1 for issue in result.issues if issue.get("severity") == "warning")
    return errors, warnings


def _line(issue: Mapping[str, Any]) -> str:
    where = ",".join(issue.get("expression") or issue.get("location") or []) or "-"
    message = _QUOTED.sub("'…'", str(issue.get("diagnostics") or issue.get("code") or ""))
    return f"{where}: {message}"

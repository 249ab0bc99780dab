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

Profiles a resource does not claim can be tried too (``against``: a guide's profile the adapter
might claim, such as Gravity's SDOHCC Task For Referral Management): every resource of that
profile's type is validated against it as well, tallied as not claimed. That is how a claim is
earned: it is added to the mapping only after such a run shows 0 errors.
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
_GUIDES: Final = (
    (f"{US_CORE_BASE}/", "US Core 6.1.0"),
    (f"{CANONICAL_BASE}/", "cm-adapter"),
    ("http://hl7.org/fhir/us/sdoh-clinicalcare/", "Gravity SDOHCC"),
    ("http://hl7.org/fhir/us/mcc/", "MCC eCare Plan"),
    ("http://hl7.org/fhir/us/pacio-toc/", "PACIO TOC"),
)
_UNKNOWN: Final = "the server does not know this profile (load its guide into the server)"
_NONE: Final = "no resource of this profile's type to try it on"
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
    claimed: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "guide": self.guide,
            "profile": self.profile,
            "claimed": self.claimed,
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
    client: FHIRClient, cases: Iterable[Case], *, realm: Realm, against: Sequence[str] = ()
) -> ConformanceReport:
    """Validate what a push of ``cases`` writes (in the ``realm`` edition) on ``client``'s
    server against every profile each resource claims, and each resource of a type an
    ``against`` profile constrains against that profile too."""
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
    types = {p: await _type_of(client, p) for p in sorted(claimed | set(against))}
    known = {p: kind is not None for p, kind in types.items()}
    checks: list[tuple[Mapping[str, Any], str | None]] = [
        (r, p) for r in resources for p in _claims(r)
    ]
    for extra in dict.fromkeys(against):
        if extra in claimed:
            continue
        tally = report.tally(extra)
        tally.claimed = False
        tried = [(r, extra) for r in resources if r["resourceType"] == types[extra]]
        if not tried:  # an unknown profile, or no resource to try it on: no vacuous pass
            tally.failed += 1
            tally.errors.append(f"{extra}: {_UNKNOWN if types[extra] is None else _NONE}")
        checks += tried
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


async def _type_of(client: FHIRClient, profile: str) -> str | None:
    """The resource type of this profile, if the server holds its StructureDefinition."""
    query = {"url": profile, "_elements": "url,type"}
    async for definition in client.search("StructureDefinition", query):
        return str(definition.get("type"))
    return None


async def _issues(
    client: FHIRClient, resource: Mapping[str, Any], profile: str | None, known: dict[str, bool]
) -> tuple[list[str], int]:
    if profile is not None and not known[profile]:
        return [_UNKNOWN], 0
    result = await client.validate(resource, profile=profile)
    errors = [_line(issue) for issue in result.errors]
    warnings = sum(1 for issue in result.issues if issue.get("severity") == "warning")
    return errors, warnings


def _line(issue: Mapping[str, Any]) -> str:
    where = ",".join(issue.get("expression") or issue.get("location") or []) or "-"
    message = _QUOTED.sub("'…'", str(issue.get("diagnostics") or issue.get("code") or ""))
    return f"{where}: {message}"

"""The imported case record: a case with where it came from, and how it is written.

One record per case (docs/import.md)::

    {"case": {...the case JSON, with "origin": where it came from (not for own data)...},
     "source": {"server": URL, "system": ..., "organization": ..., "episode": "Type/id",
                "derived_from_plan": false, "own": false},
     "sources": [{"resource": "Goal/7", "version": "2", "part": "plan.goals",
                  "via": "CarePlan/5 refers to it"}, ...],
     "warnings": ["Consent: none found on the server for the client", ...],
     "left_out": ["Task/9"]}

Files are named by source and case id (:func:`record_name`), written atomically and only when
their text changed (a daily import rewrites only changed cases), readable by their owner only.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from adapter.model.case import Case
from adapter.sync.pull.grouping import CaseGroup
from adapter.sync.resources import key_text, meta_version, own_kind

__all__ = ["CaseSource", "part_of", "record_name", "record_of", "write_if_changed"]

#: Resource type -> the part of the case record it feeds.
_PARTS: Final = {
    "EpisodeOfCare": "case",
    "Patient": "client",
    "ServiceRequest": "referral",
    "Consent": "consents",
    "Coverage": "coverages",
    "CareTeam": "care_team",
    "Practitioner": "care_team",
    "RelatedPerson": "care_team",
    "Organization": "care_team",
    "PractitionerRole": "care_team",
    "RiskAssessment": "screening",
    "Condition": "needs",
    "CarePlan": "plan",
    "Goal": "plan.goals",
    "Task": "tasks",
    "Communication": "notes",
    "Provenance": "plan.revisions",
}
_OBSERVATION_PARTS: Final = {
    "preference": "client.preferences",
    "criterion": "screening",
    "assessment": "assessments",
    "score": "assessments",
    "goal-progress": "plan.goals.progress",
    "outcome": "outcomes",
}


@dataclass(frozen=True, slots=True)
class CaseSource:
    """Who wrote a case: the server, and the identifier system or organization on it."""

    server: str
    system: str | None
    organization: str | None
    own: bool = False

    @property
    def label(self) -> str:
        return self.system or self.organization or "unidentified"

    def to_dict(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "system": self.system,
            "organization": self.organization,
            "own": self.own,
        }


def part_of(resource: Mapping[str, Any]) -> str:
    kind = str(resource.get("resourceType"))
    if kind == "Observation":
        return _OBSERVATION_PARTS.get(own_kind(resource) or "", "observations")
    return _PARTS.get(kind, "other")


def record_of(
    case: Case,
    *,
    group: CaseGroup,
    source: CaseSource,
    warnings: Sequence[str],
    left_out: Sequence[str],
) -> dict[str, Any]:
    """The imported record of one case (see the module doc)."""
    sources = [
        {
            "resource": key_text(resource),
            "version": meta_version(resource),
            "part": "case" if group.derived and resource is group.episode else part_of(resource),
            "via": group.via.get(key_text(resource), "the case"),
        }
        for resource in group.resources
    ]
    document = case.model_dump(mode="json", exclude_defaults=True)
    if not source.own:  # others' data: a push that re-serves it says where it came from
        document["origin"] = _origin(source, sources)
    return {
        "case": document,
        "source": {
            **source.to_dict(),
            "episode": key_text(group.episode),
            "derived_from_plan": group.derived,
        },
        "sources": sorted(sources, key=lambda s: (s["part"], s["resource"])),
        "warnings": sorted(set(warnings)),
        "left_out": sorted(set(left_out)),
    }


def _origin(source: CaseSource, sources: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The case's ``origin`` (:class:`adapter.model.origin.CaseOrigin`): the server, the
    organization that wrote it there, each resource read at its version."""
    read = [
        {"resource": s["resource"], **({"version": s["version"]} if s["version"] else {})}
        for s in sorted(sources, key=lambda s: str(s["resource"]))
    ]
    origin: dict[str, Any] = {"server": source.server, "resources": read}
    if source.organization:
        origin["organization"] = source.organization
    return origin


def _slug(text: str, limit: int = 60) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-.")[:limit] or "x"


def server_slug(server: str) -> str:
    parts = urlsplit(server)
    return _slug(f"{parts.hostname or ''}-{parts.port or ''}-{parts.path}")


def record_name(source: CaseSource, case_id: str) -> str:
    """``<server>__<system or organization>-<hash>__<case id>.json``: readable, collision-free
    (the hash is of the exact source, so two systems with one slug still differ)."""
    label = source.label
    digest = hashlib.sha256(label.encode()).hexdigest()[:6]
    label_slug = _slug(urlsplit(label).netloc + urlsplit(label).path if "://" in label else label)
    return f"{server_slug(source.server)}__{label_slug}-{digest}__{case_id}.json"


def record_text(record: Mapping[str, Any]) -> str:
    return json.dumps(record, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` atomically unless it holds exactly that already."""
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True

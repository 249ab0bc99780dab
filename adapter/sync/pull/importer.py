"""Import cases from a FHIR server into internal case JSON files (the payer's use case).

Every EpisodeOfCare is a case. For each client (all clients with an EpisodeOfCare, or one) the
server's case resources are fetched (:mod:`.gather`), split into cases (:mod:`.grouping`)
and mapped back with :func:`bundle_to_case`. Resources written by other systems map with the
documented defaults and warnings; a case that cannot be mapped is reported with its reason and
the import goes on with the next one.

Output: ``<out>/<case id>.json`` per case, pretty-printed with defaults left out (the same text
as ``adapter map --reverse``), written to a temporary file and renamed, so a reader never sees
half a file. Files are created readable by their owner only: they hold patient data.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from adapter.errors import AdapterError
from adapter.fhir import FHIRClient
from adapter.mappings.bundle import bundle_to_case
from adapter.mappings.namespace import namespaces_of
from adapter.model.case import Case
from adapter.sync.pull.gather import gather_patient
from adapter.sync.pull.grouping import CaseGroup, group_cases
from adapter.sync.resources import reference_key

__all__ = [
    "ImportFailure",
    "ImportSummary",
    "ImportedCase",
    "case_path",
    "find_patients",
    "import_cases",
    "write_case",
]

Progress = Callable[[int, int], None]
"""Called with (clients done, clients in all) after each client."""


@dataclass(frozen=True, slots=True)
class ImportedCase:
    case_id: str
    episode: str
    path: Path
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ImportFailure:
    """A case that could not be imported: its EpisodeOfCare and why (no patient data)."""

    episode: str
    reason: str


@dataclass
class ImportSummary:
    patients: int = 0
    imported: list[ImportedCase] = field(default_factory=list)
    failed: list[ImportFailure] = field(default_factory=list)
    other_namespace: int = 0
    """Cases another adapter installation wrote under its own namespace, left out."""

    @property
    def warnings(self) -> int:
        return sum(len(case.warnings) for case in self.imported)

    def to_dict(self) -> dict[str, Any]:
        return {
            "patients": self.patients,
            "imported": [
                {
                    "case": c.case_id,
                    "episode": c.episode,
                    "file": str(c.path),
                    "warnings": [*c.warnings],
                }
                for c in self.imported
            ],
            "failed": [{"episode": f.episode, "reason": f.reason} for f in self.failed],
            "other_namespace": self.other_namespace,
        }


async def import_cases(
    client: FHIRClient,
    *,
    out_dir: Path,
    patient: str | None = None,
    since: datetime | None = None,
    progress: Progress | None = None,
    namespace: str | None = None,
) -> ImportSummary:
    """Import every case on the server, or those of one client (``patient``: a Patient id or
    an identifier ``system|value``), into ``out_dir``. ``since`` limits "every case" to the
    clients with an EpisodeOfCare updated at or after that instant.

    With ``namespace``, cases another adapter installation wrote under a different namespace
    are left out (counted in ``other_namespace``); resources of other systems, which carry no
    namespace, are always read. Without it every case is read."""
    patients = await find_patients(client, patient, since=since)
    summary = ImportSummary(patients=len(patients))
    written: set[str] = set()
    for done, patient_id in enumerate(patients, start=1):
        resources = await gather_patient(client, patient_id)
        for group in group_cases(resources):
            if _patient_of(group) != patient_id:
                continue
            if _foreign_namespace(group, namespace):
                summary.other_namespace += 1
                continue
            _import_one(group, out_dir, summary, written, namespace)
        if progress is not None:
            progress(done, len(patients))
    return summary


async def find_patients(
    client: FHIRClient, patient: str | None, *, since: datetime | None = None
) -> list[str]:
    """Patient ids: of ``patient`` (an id, or ``system|value``), or of every EpisodeOfCare."""
    if patient is not None:
        criteria = {"identifier": patient} if "|" in patient else {"_id": patient}
        return sorted(
            {str(r["id"]) async for r in client.search("Patient", criteria, no_cache=True)}
        )
    ids: set[str] = set()
    params = {"_elements": "patient", "_count": "200"}
    if since is not None:
        params["_lastUpdated"] = f"ge{since.isoformat()}"
    async for episode in client.search("EpisodeOfCare", params, no_cache=True):
        key = reference_key(str((episode.get("patient") or {}).get("reference", "")))
        if key is not None and key.startswith("Patient/"):
            ids.add(key.removeprefix("Patient/"))
    return sorted(ids)


def _patient_of(group: CaseGroup) -> str | None:
    key = reference_key(str((group.episode.get("patient") or {}).get("reference", "")))
    return key.removeprefix("Patient/") if key and key.startswith("Patient/") else None


def _foreign_namespace(group: CaseGroup, namespace: str | None) -> bool:
    """Whether the case's EpisodeOfCare belongs to another adapter installation's namespace."""
    if namespace is None:
        return False
    found = namespaces_of(group.episode) - {None}
    return bool(found) and namespace not in found


def _import_one(
    group: CaseGroup,
    out_dir: Path,
    summary: ImportSummary,
    written: set[str],
    namespace: str | None,
) -> None:
    warnings: list[str] = []
    try:
        # Read in the episode's own namespace: ours, or none (other systems' data).
        own = namespace if namespace in namespaces_of(group.episode) else None
        case = bundle_to_case(group.resources, warnings=warnings, namespace=own)
    except AdapterError as exc:
        summary.failed.append(ImportFailure(group.episode_key, str(exc)))
        return
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        # Malformed JSON from another system (a string where an object belongs ...); the
        # exception's text could quote patient data, so only its kind is reported.
        reason = f"the resources have an unexpected shape ({type(exc).__name__})"
        summary.failed.append(ImportFailure(group.episode_key, reason))
        return
    if case.id in written:
        reason = f"another EpisodeOfCare already imported as case {case.id}"
        summary.failed.append(ImportFailure(group.episode_key, reason))
        return
    written.add(case.id)
    path = write_case(case, out_dir)
    summary.imported.append(ImportedCase(case.id, group.episode_key, path, tuple(warnings)))


def case_path(out_dir: Path, case_id: str) -> Path:
    """Where a case's file goes. Case ids are ``[A-Za-z0-9.-]`` only: safe as file names."""
    return out_dir / f"{case_id}.json"


def write_case(case: Case, out_dir: Path) -> Path:
    """Write ``<out_dir>/<case id>.json`` atomically (temporary file, fsync, rename)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = case_path(out_dir, case.id)
    text = case.model_dump_json(indent=2, exclude_defaults=True) + "\n"
    handle, temporary = tempfile.mkstemp(dir=out_dir, prefix=f".{case.id}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path

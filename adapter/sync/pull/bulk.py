"""Import by FHIR Bulk Data: one ``$export``, its NDJSON indexed on disk by patient.

The export's files are streamed line by line into a temporary SQLite file (one row per
resource: its ``Type/id``, its patient and its JSON), so memory stays flat however many
episodes the server holds; the cases of one patient are then read back from disk and go through
the same grouping and mapping as a REST import (:class:`.gather.RestGatherer`), which is why
both give identical records. What the export leaves out (Practitioners and Organizations are
outside the Patient compartment) is read by id over REST, as in a REST import.

With ``since``, the export (``_since``) names the patients with a changed case resource; their
cases are then read whole over REST, since an export since an instant holds only what changed.

HAPI (like the Bulk Data spec's Patient compartment) refuses Task in a Patient or Group level
export (HAPI-0512): Tasks come from a second, system-level export of Task alone, indexed by
their patient (``for``) and by what they are based on or focus on (a CarePlan, a Goal), so a
Task tied only to the plan is found as a REST import finds it.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from adapter.fhir import FHIRClient
from adapter.fhir.bulk import ExportManifest, export, read_ndjson
from adapter.sync.pull.gather import BY_PATIENT, add_referenced, gather_patient
from adapter.sync.resources import key_text, references

__all__ = ["EXPORT_TYPES", "BulkGatherer", "bulk_gatherer"]

Resource = Mapping[str, Any]

#: What a Patient-level export is asked for (``_type``): the patient and the case resources
#: (Task apart: see the module doc).
EXPORT_TYPES: Final = tuple(t for t in ("Patient", *BY_PATIENT) if t != "Task")
SYSTEM_TYPES: Final = ("Task",)
_CASE_ROOTS: Final = ("EpisodeOfCare", "CarePlan")
_BATCH: Final = 500


@dataclass
class BulkGatherer:
    """Resources of one export, read back per patient (see the module doc)."""

    client: FHIRClient
    db: sqlite3.Connection
    manifests: tuple[ExportManifest, ...]
    patient: str | None = None
    since: datetime | None = None
    bad_lines: list[str] = field(default_factory=list)

    async def patients(self) -> list[str]:
        # Since an instant, every changed resource names a client to read again.
        query = (
            "SELECT DISTINCT patient FROM resource WHERE patient IS NOT NULL"
            if self.since is not None
            else "SELECT DISTINCT patient FROM resource WHERE type IN (?, ?) "
            "AND patient IS NOT NULL"
        )
        args = () if self.since is not None else _CASE_ROOTS
        found = sorted(row[0] for row in self.db.execute(query, args))
        return [p for p in found if self.patient in (None, p)]

    async def gather(self, patient_id: str) -> list[dict[str, Any]]:
        if self.since is not None:
            return await gather_patient(self.client, patient_id)
        rows = self.db.execute(
            "SELECT body FROM resource WHERE patient = ? ORDER BY seq", (patient_id,)
        )
        found: dict[str, dict[str, Any]] = {}
        for (body,) in rows:
            resource = json.loads(body)
            found.setdefault(key_text(resource), resource)
        self._add_tasks(found)
        self._add_from_store(found)
        await add_referenced(self.client, found)
        return list(found.values())

    def _add_tasks(self, found: dict[str, dict[str, Any]]) -> None:
        """Tasks based on or focused on the patient's CarePlans and Goals (REST: based-on and
        focus searches)."""
        anchors = sorted(k for k in found if k.split("/", 1)[0] in ("CarePlan", "Goal"))
        for key in anchors:
            rows = self.db.execute(
                "SELECT body FROM resource JOIN link ON link.source = resource.key "
                "WHERE link.target = ? ORDER BY seq",
                (key,),
            )
            for (body,) in rows:
                task = json.loads(body)
                found.setdefault(key_text(task), task)

    def _add_from_store(self, found: dict[str, dict[str, Any]]) -> None:
        missing = {k for r in list(found.values()) for k in references(r)} - found.keys()
        for key in sorted(missing):
            row = self.db.execute("SELECT body FROM resource WHERE key = ?", (key,)).fetchone()
            if row is not None:
                found[key] = json.loads(row[0])


@asynccontextmanager
async def bulk_gatherer(
    client: FHIRClient,
    *,
    since: datetime | None = None,
    group: str | None = None,
    patient: str | None = None,
    wait_limit: float = 3600.0,
) -> AsyncIterator[BulkGatherer]:
    """Run the export, index its files on disk, and hand out the gatherer (the index is
    deleted on leaving)."""
    manifests = (
        await export(client, types=EXPORT_TYPES, since=since, group=group, wait_limit=wait_limit),
        await export(client, types=SYSTEM_TYPES, since=since, system=True, wait_limit=wait_limit),
    )
    with tempfile.TemporaryDirectory(prefix="adapter-bulk-") as folder:
        db = sqlite3.connect(Path(folder) / "export.sqlite")
        try:
            db.execute(
                "CREATE TABLE resource (seq INTEGER PRIMARY KEY, key TEXT UNIQUE, type TEXT, "
                "patient TEXT, body TEXT)"
            )
            db.execute("CREATE INDEX by_patient ON resource (patient)")
            db.execute("CREATE TABLE link (target TEXT, source TEXT)")
            db.execute("CREATE INDEX by_target ON link (target)")
            gatherer = BulkGatherer(client, db, manifests, patient=patient, since=since)
            await _load(gatherer)
            yield gatherer
        finally:
            db.close()


async def _load(gatherer: BulkGatherer) -> None:
    rows: list[tuple[str, str, str | None, str]] = []
    links: list[tuple[str, str]] = []
    files = [file for manifest in gatherer.manifests for file in manifest.files]
    for file in files:
        async for number, resource in read_ndjson(gatherer.client, file):
            if resource is None or not isinstance(resource.get("id"), str):
                gatherer.bad_lines.append(f"{file.type} export line {number}: not a resource")
                continue
            key = key_text(resource)
            rows.append((key, file.type, _patient_of(resource), json.dumps(resource)))
            if resource.get("resourceType") == "Task":
                targets = references({k: resource.get(k) for k in ("basedOn", "focus")})
                links += [(target, key) for target in targets]
            if len(rows) >= _BATCH:
                _insert(gatherer.db, rows, links)
        _insert(gatherer.db, rows, links)


def _insert(
    db: sqlite3.Connection,
    rows: list[tuple[str, str, str | None, str]],
    links: list[tuple[str, str]],
) -> None:
    db.executemany(
        "INSERT OR REPLACE INTO resource (key, type, patient, body) VALUES (?, ?, ?, ?)", rows
    )
    db.executemany("INSERT INTO link (target, source) VALUES (?, ?)", links)
    db.commit()
    rows.clear()
    links.clear()


def _patient_of(resource: Resource) -> str | None:
    """The patient a resource belongs to, as the REST searches by ``patient`` find it."""
    if resource.get("resourceType") == "Patient":
        return str(resource.get("id"))
    element = BY_PATIENT.get(str(resource.get("resourceType")))
    if element is None:
        return None
    for key in references({k: v for k, v in resource.items() if k in _PATIENT_ELEMENTS}):
        if key.startswith("Patient/"):
            return key.removeprefix("Patient/")
    return None


#: The elements behind the ``patient`` search parameter of the exported types.
_PATIENT_ELEMENTS: Final = frozenset({"patient", "subject", "for", "beneficiary"})

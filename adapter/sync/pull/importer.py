"""Import cases from a FHIR server as case records (the payer's use case; docs/import.md).

For each client (every client with an EpisodeOfCare or a CarePlan, one client, or those
changed since an instant) the server's case resources are gathered (:mod:`.gather` over REST,
or a bulk export, :mod:`.bulk`), checked structurally (a resource that is not valid FHIR is set
aside alone, named with its element), split into cases (:mod:`.grouping`: every EpisodeOfCare,
and every CarePlan no episode took) and read as foreign data (:mod:`adapter.mappings.foreign`:
defaults, process rules as warnings). Each case becomes one record saying where each part
came from (:mod:`.record`), named by source and case id, written only when it changed.

By default this installation's own cases (its namespace's adapter identifiers) are left out:
a payer imports what others wrote; ``own_data`` includes them or imports only them.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Final, Protocol

from adapter.errors import MappingError
from adapter.mappings.foreign import case_identifier, episode_from_plan, read_foreign_case
from adapter.mappings.identifiers import own_identifier
from adapter.mappings.namespace import namespaces_of
from adapter.mappings.structure import split_valid
from adapter.sync.pull.grouping import CaseGroup, group_cases, unlinked
from adapter.sync.pull.record import (
    CaseSource,
    record_name,
    record_of,
    record_text,
    write_if_changed,
)
from adapter.sync.resources import reference_key

__all__ = [
    "Gatherer",
    "ImportFailure",
    "ImportSummary",
    "ImportedCase",
    "OwnData",
    "import_with",
]

Resource = Mapping[str, Any]
GATHER_AHEAD: Final = 4
Progress = Callable[[int, int], None]
"""Called with (clients done, clients in all) after each client."""


class OwnData(StrEnum):
    """What to do with this installation's own cases (``--own-data``)."""

    EXCLUDE = "exclude"
    INCLUDE = "include"
    ONLY = "only"


class Gatherer(Protocol):
    """Where the resources come from: REST searches or a bulk export."""

    async def patients(self) -> list[str]: ...

    async def gather(self, patient_id: str) -> Sequence[Resource]: ...


@dataclass(frozen=True, slots=True)
class ImportedCase:
    case_id: str
    episode: str
    path: Path
    source: str
    warnings: tuple[str, ...] = ()
    written: bool = True
    """False when the file held exactly this record already (nothing changed)."""


@dataclass(frozen=True, slots=True)
class ImportFailure:
    """A case or resource that could not be imported, and why (no patient data)."""

    episode: str
    reason: str


@dataclass
class ImportSummary:
    patients: int = 0
    imported: list[ImportedCase] = field(default_factory=list)
    failed: list[ImportFailure] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    """Resources that are not valid FHIR: ``Type/id: not valid FHIR: <element>: <reason>``."""
    own_left_out: int = 0
    other_left_out: int = 0
    unlinked: list[str] = field(default_factory=list)
    """Goals and Tasks tied to no case (only to a patient with several cases, or to none)."""

    @property
    def warnings(self) -> int:
        return sum(len(case.warnings) for case in self.imported)

    @property
    def written(self) -> int:
        return sum(1 for case in self.imported if case.written)

    @property
    def matched(self) -> bool:
        """Whether the server held any case data for the request at all."""
        return bool(self.imported or self.failed or self.refused or self.own_left_out)

    def to_dict(self) -> dict[str, Any]:
        return {
            "patients": self.patients,
            "imported": [
                {
                    "case": c.case_id,
                    "episode": c.episode,
                    "source": c.source,
                    "file": str(c.path),
                    "written": c.written,
                    "warnings": [*c.warnings],
                }
                for c in self.imported
            ],
            "failed": [{"episode": f.episode, "reason": f.reason} for f in self.failed],
            "left_out": {
                "own_installation": self.own_left_out,
                "not_own_installation": self.other_left_out,
                "not_valid_fhir": [*self.refused],
                "linked_to_no_case": [*self.unlinked],
            },
        }


@dataclass
class _Run:
    server: str
    out_dir: Path
    namespace: str | None
    own_data: OwnData
    summary: ImportSummary
    ndjson: list[str] | None
    known: Callable[[str, str], bool] | None = None
    names: set[str] = field(default_factory=set)


async def import_with(
    gatherer: Gatherer,
    *,
    server: str,
    out_dir: Path,
    namespace: str | None = None,
    own_data: OwnData = OwnData.EXCLUDE,
    ndjson: Path | None = None,
    progress: Progress | None = None,
    known: Callable[[str, str], bool] | None = None,
) -> ImportSummary:
    """Import every case ``gatherer`` finds into ``out_dir`` (one JSON file per case), or into
    the file ``ndjson`` (one record per line).

    A case is this installation's own when ``known(type, id)`` says its ledger recorded
    writing the episode, or when it carries this installation's ``namespace`` (not None)."""
    patients = await gatherer.patients()
    summary = ImportSummary(len(patients))
    run = _Run(server, out_dir, namespace, own_data, summary, None, known)
    if ndjson is not None:
        run.ndjson = []
    done = 0
    async for patient_id, found in _gathered(gatherer, patients):
        done += 1
        resources, errors = split_valid(found)
        run.summary.refused += [str(e) for e in errors]
        groups = group_cases(resources)
        run.summary.unlinked += unlinked(resources, groups)
        for group in groups:
            if _patient_of(group) == patient_id:
                _import_one(group, run)
        if progress is not None:
            progress(done, len(patients))
    if run.ndjson is not None and ndjson is not None:
        write_if_changed(ndjson, "".join(run.ndjson))
    return run.summary


async def _gathered(
    gatherer: Gatherer, patients: Sequence[str]
) -> AsyncIterator[tuple[str, Sequence[Resource]]]:
    """(patient, resources) in the patients' order, up to GATHER_AHEAD gathered at once: the
    server works on the next clients while this one is mapped; memory holds only that window."""
    ahead: deque[tuple[str, asyncio.Task[Sequence[Resource]]]] = deque()
    waiting = iter(patients)
    try:
        for patient_id in waiting:
            ahead.append((patient_id, asyncio.ensure_future(gatherer.gather(patient_id))))
            if len(ahead) >= GATHER_AHEAD:
                first, task = ahead.popleft()
                yield first, await task
        while ahead:
            first, task = ahead.popleft()
            yield first, await task
    finally:
        for _, task in ahead:
            task.cancel()


def _patient_of(group: CaseGroup) -> str | None:
    element = "subject" if group.derived else "patient"
    key = reference_key(str((group.episode.get(element) or {}).get("reference", "")))
    return key.removeprefix("Patient/") if key and key.startswith("Patient/") else None


def _is_own(group: CaseGroup, run: _Run) -> bool:
    episode = group.episode
    if own_identifier(episode) is None:
        return False
    if run.known is not None and run.known(
        str(episode.get("resourceType")), str(episode.get("id"))
    ):
        return True
    return run.namespace is not None and run.namespace in namespaces_of(episode)


def _import_one(group: CaseGroup, run: _Run) -> None:
    own = _is_own(group, run)
    if own and run.own_data is OwnData.EXCLUDE:
        run.summary.own_left_out += 1
        return
    if not own and run.own_data is OwnData.ONLY:
        run.summary.other_left_out += 1
        return
    # The same case reads the same whatever order a server or an export listed it in.
    resources: Sequence[Resource] = sorted(group.resources, key=_reading_order)
    if group.derived:
        resources = [episode_from_plan(group.episode), *group.resources]
    found = namespaces_of(group.episode) - {None}
    reading = next(iter(found)) if len(found) == 1 else None
    try:
        foreign = read_foreign_case(resources, namespace=reading)
    except MappingError as exc:
        run.summary.failed.append(ImportFailure(group.episode_key, str(exc)))
        return
    case = foreign.case
    source = _source_of(group, run.server, own)
    name = record_name(source, case.id)
    if name in run.names:
        reason = f"another case from {source.label} was imported as case {case.id}"
        run.summary.failed.append(ImportFailure(group.episode_key, reason))
        return
    run.names.add(name)
    warnings = [*foreign.warnings, *_missing_parts(resources)]
    record = record_of(
        case, group=group, source=source, warnings=warnings, left_out=foreign.left_out
    )
    path = run.out_dir / name
    if run.ndjson is not None:
        run.ndjson.append(record_text(record).replace("\n", "") + "\n")
        written = True
    else:
        written = write_if_changed(path, record_text(record))
    run.summary.imported.append(
        ImportedCase(
            case.id, group.episode_key, path, source.label, tuple(record["warnings"]), written
        )
    )


def _reading_order(resource: Resource) -> tuple[str, str]:
    """Other systems' resources by type and id; the adapter's own keep their order (a stable
    sort), which is the order they were written in."""
    own = own_identifier(resource) is not None
    return str(resource.get("resourceType")), "" if own else str(resource.get("id"))


def _source_of(group: CaseGroup, server: str, own: bool) -> CaseSource:
    ours = own_identifier(group.episode)
    if ours is not None:
        system = next(
            (
                str(i.get("system"))
                for i in group.episode.get("identifier", [])
                if str(i.get("value")) == ours.value
            ),
            None,
        )
        return CaseSource(server, system, None, own)
    system, _ = case_identifier(group.episode)
    element = "author" if group.derived else "managingOrganization"
    organization = reference_key(str((group.episode.get(element) or {}).get("reference", "")))
    if organization is not None and not organization.startswith("Organization/"):
        organization = None
    return CaseSource(server, system, organization, own)


def _missing_parts(resources: Sequence[Resource]) -> list[str]:
    """Warnings for the parts a case record expects and the server had none of."""
    kinds = {r.get("resourceType") for r in resources}
    notes = []
    if "Consent" not in kinds:
        notes.append("consents: no Consent of the client found on the server")
    if "CarePlan" not in kinds:
        notes.append("plan: no CarePlan of the case found on the server")
    return notes

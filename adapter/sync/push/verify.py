"""Verify: does the server hold what the ledger says it holds? And repair what it lost.

The ledger's entries are claims. A server reset (HAPI on H2 in memory restarted), a purge, a
restore from an older backup or a delete behind the adapter's back make them false, and a push
that trusts them skips what is gone for good. :func:`verify` reads back every claimed resource
(by ``_id`` in chunks) and compares presence, version and content hash; under a namespace it also
finds this installation's resources the ledger does not know (by ``_tag``).

:func:`adapter.sync.push.repair.repair` forgets what is missing (so the cases' snapshots stop
vouching for them) and pushes those cases again from the case store: one transaction per case,
sending only what is not on the server. What changed on the server is left alone: that is
a pull's business.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from adapter.fhir.client import FHIRClient
from adapter.mappings.context import RESOURCE_TYPES
from adapter.mappings.namespace import namespace_tag, tag_token
from adapter.sync.hashing import content_hash
from adapter.sync.ledger import Entry, Ledger, ResourceKey
from adapter.sync.server_ids import with_server_ids

__all__ = ["CaseCheck", "VerifyReport", "absent", "forget_absent", "read_back", "verify"]

log = logging.getLogger("adapter.sync.verify")

_CHUNK: Final = 100  # ids per search: one page, and a URL well under common limits
_PARALLEL: Final = 4  # searches in flight (the client's own limit is above this)
_CASE_TYPES: Final = ("EpisodeOfCare", "CarePlan", "Goal", "Task", *RESOURCE_TYPES)

State = Literal["ok", "missing", "changed"]


@dataclass
class CaseCheck:
    """One case: its claimed resources that are there as recorded, missing, or changed."""

    case_id: str
    ok: int = 0
    missing: list[ResourceKey] = field(default_factory=list)
    changed: list[ResourceKey] = field(default_factory=list)
    older: list[ResourceKey] = field(default_factory=list)  # of the changed: an older version

    @property
    def went_back(self) -> int:
        """Of the changed: how many the server holds at an older version than recorded."""
        return len(self.older)

    @property
    def state(self) -> str:
        found = [name for name in ("missing", "changed") if getattr(self, name)]
        return "+".join(found) if found else "ok"

    def as_json(self) -> dict[str, Any]:
        return {
            "case": self.case_id,
            "state": self.state,
            "ok": self.ok,
            "missing": [f"{t}/{i}" for t, i in self.missing],
            "changed": [f"{t}/{i}" for t, i in self.changed],
            "older_on_server": self.went_back,
        }


@dataclass
class VerifyReport:
    server: str
    cases: list[CaseCheck] = field(default_factory=list)
    unknown: list[ResourceKey] = field(default_factory=list)  # ours on the server, not in ledger
    searched_unknown: bool = False

    @property
    def resources(self) -> int:
        return sum(c.ok + len(c.missing) + len(c.changed) for c in self.cases)

    @property
    def missing(self) -> int:
        return sum(len(c.missing) for c in self.cases)

    @property
    def changed(self) -> int:
        return sum(len(c.changed) for c in self.cases)

    @property
    def agrees(self) -> bool:
        return not self.missing and not self.changed and not self.unknown

    def summary(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "cases": len(self.cases),
            "cases_ok": sum(1 for c in self.cases if c.state == "ok"),
            "resources": self.resources,
            "missing": self.missing,
            "changed": self.changed,
            "unknown": len(self.unknown),
            "agrees": self.agrees,
        }


async def verify(
    client: FHIRClient,
    ledger: Ledger,
    *,
    namespace: str | None,
    case_ids: Sequence[str] | None = None,
) -> VerifyReport:
    """Read back what the ledger claims ``client``'s server holds (all cases, or ``case_ids``)."""
    server = client.base.url
    client = await with_server_ids(client, ledger)
    claimed = await asyncio.to_thread(ledger.claimed, server, case_ids)
    report = VerifyReport(server)
    on_server = await read_back(client, [entry.key for entry in claimed])
    checks: dict[str, CaseCheck] = {}
    for entry in claimed:
        check = checks.setdefault(entry.case_id, CaseCheck(entry.case_id))
        state, older = _compare(entry, on_server.get(entry.key))
        if state == "ok":
            check.ok += 1
        elif state == "missing":
            check.missing.append(entry.key)
        else:
            check.changed.append(entry.key)
            if older:
                check.older.append(entry.key)
    for case_id in case_ids or ():
        checks.setdefault(case_id, CaseCheck(case_id))
    report.cases = list(checks.values())
    if namespace is not None and case_ids is None:
        report.searched_unknown = True
        report.unknown = await _unknown(client, namespace, on_server)
    if went_back := sum(c.went_back for c in report.cases):
        log.warning(
            "the server holds %d resources at an older version than this adapter wrote: it was "
            "restored from a backup or went back in time",
            went_back,
        )
    return report


def _compare(entry: Entry, found: dict[str, Any] | None) -> tuple[State, bool]:
    """The state of one claimed resource, and whether the server's version is older."""
    if found is None:
        return "missing", False
    version = str((found.get("meta") or {}).get("versionId", ""))
    if version != entry.version_id:
        numbers = version.isdigit() and str(entry.version_id).isdigit()
        return "changed", numbers and int(version) < int(str(entry.version_id))
    if content_hash(found) != entry.content_hash:
        return "changed", False
    return "ok", False


async def absent(client: FHIRClient, keys: Sequence[ResourceKey]) -> list[ResourceKey]:
    """Which of ``keys`` the server does not hold (read back by ``_id``)."""
    found = await read_back(client, keys)
    return [key for key in keys if key not in found]


async def read_back(client: FHIRClient, keys: Sequence[ResourceKey]) -> dict[ResourceKey, Any]:
    """What the server holds of ``keys``, read by ``_id`` in chunks of 100 per type."""
    by_type: dict[str, list[str]] = {}
    for kind, ident in dict.fromkeys(keys):
        by_type.setdefault(kind, []).append(ident)
    found: dict[ResourceKey, Any] = {}

    async def chunk(kind: str, ids: list[str]) -> None:
        params = {"_id": ",".join(ids), "_count": str(len(ids))}
        async for resource in client.search(kind, params, no_cache=True):
            found[ResourceKey(kind, str(resource.get("id")))] = resource

    await _bounded(
        chunk(kind, ids[start : start + _CHUNK])
        for kind, ids in by_type.items()
        for start in range(0, len(ids), _CHUNK)
    )
    return found


async def _unknown(
    client: FHIRClient, namespace: str, on_server: dict[ResourceKey, Any]
) -> list[ResourceKey]:
    """This installation's resources on the server that the ledger does not claim.

    Per type, the server first counts the resources carrying the namespace's tag (cheap: no
    resource is loaded). When that equals the claimed resources read back that carry the tag,
    there is nothing else; only for a type where it differs are the tagged ids listed."""
    tag = namespace_tag(namespace)
    ours: dict[str, int] = {}
    for (kind, _), resource in on_server.items():
        if tag in ((resource.get("meta") or {}).get("tag") or []):
            ours[kind] = ours.get(kind, 0) + 1
    found: dict[str, list[ResourceKey]] = {}

    async def one_type(kind: str) -> None:
        counted = {"_tag": tag_token(namespace), "_summary": "count"}
        async for page in client.search_pages(kind, counted, no_cache=True):
            if page.get("total") == ours.get(kind, 0):
                return
        listed = {"_tag": tag_token(namespace), "_elements": "id", "_count": "500"}
        tagged = client.search(kind, listed, no_cache=True)
        keys = [ResourceKey(kind, str(r.get("id"))) async for r in tagged]
        found[kind] = [key for key in keys if key not in on_server]

    kinds = list(dict.fromkeys(_CASE_TYPES))
    await _bounded(one_type(kind) for kind in kinds)
    return [key for kind in kinds for key in found.get(kind, [])]


async def _bounded(jobs: Iterable[Coroutine[Any, Any, None]]) -> None:
    """Run ``jobs`` with at most ``_PARALLEL`` at a time; the first failure cancels the rest
    and is raised as itself (not as an exception group)."""
    gate = asyncio.Semaphore(_PARALLEL)

    async def gated(job: Coroutine[Any, Any, None]) -> None:
        try:
            async with gate:
                await job
        finally:
            job.close()  # cancelled before it started: closed, never left un-awaited

    try:
        async with asyncio.TaskGroup() as group:
            for job in jobs:
                group.create_task(gated(job))
    except ExceptionGroup as failed:
        raise failed.exceptions[0] from None


async def forget_absent(
    client: FHIRClient, ledger: Ledger, case_id: str, claimed: list[ResourceKey]
) -> bool:
    """Read back what case ``case_id`` counted on; forget in the ledger what is gone from the
    server (so a retry sends it again). True when something was gone."""
    gone = await absent(client, claimed)
    if gone:
        log.warning(
            "case %s: %d resources the ledger counted on are gone from the server; "
            "sending them again",
            case_id,
            len(gone),
        )
        await asyncio.to_thread(ledger.forget, client.base.url, gone)
    return bool(gone)

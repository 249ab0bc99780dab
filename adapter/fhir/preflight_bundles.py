"""The preflight's transaction probes: does a failed transaction leave part behind, and how many
entries does the server take in one? Every probe resource is a tiny ``Basic`` under a fresh
identifier; whatever lands is deleted again (see :class:`ProbeSpace`)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from adapter.canonical import CANONICAL_BASE
from adapter.errors import FHIRError, FHIRStatusError
from adapter.fhir.client import FHIRClient
from adapter.fhir.outcome import words

__all__ = ["PROBE_SYSTEM", "ProbeSpace", "SizeFinding", "probe_atomic", "probe_size"]

PROBE_SYSTEM = f"{CANONICAL_BASE}/preflight-probe"
"""Identifier system and code system of every preflight probe resource."""


@dataclass
class ProbeSpace:
    """One preflight run: a random run id, the tags every probe resource carries, and what it
    created (deleted again by :meth:`clean`)."""

    client: FHIRClient
    tags: Sequence[Mapping[str, str]]
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    created: list[tuple[str, str]] = field(default_factory=list)

    def key(self, name: str) -> str:
        return f"{self.run}-{name}"

    def token(self, name: str) -> str:
        """The ``identifier`` search value of the probe resource ``name``."""
        return f"{PROBE_SYSTEM}|{self.key(name)}"

    def basic(self, name: str) -> dict[str, Any]:
        return {
            "resourceType": "Basic",
            "meta": {"tag": [dict(tag) for tag in self.tags]},
            "code": {"coding": [{"system": PROBE_SYSTEM, "code": "preflight-probe"}]},
            "identifier": [{"system": PROBE_SYSTEM, "value": self.key(name)}],
        }

    def bundle(self, kind: str, names: Sequence[str]) -> dict[str, Any]:
        entries = [
            {"resource": self.basic(n), "request": {"method": "POST", "url": "Basic"}}
            for n in names
        ]
        return {"resourceType": "Bundle", "type": kind, "entry": entries}

    def keep(self, resource_type: str | None, resource_id: str | None) -> None:
        if resource_type and resource_id and (resource_type, resource_id) not in self.created:
            self.created.append((resource_type, resource_id))

    async def find(self, name: str) -> list[str]:
        """Ids of the probe resources ``name`` found by identifier (a fresh search)."""
        found = self.client.search("Basic", {"identifier": self.token(name)}, no_cache=True)
        return [str(resource.get("id")) async for resource in found]

    async def clean(self) -> list[str]:
        """Delete everything this run created; what could not be deleted, in words."""
        left: list[str] = []
        for resource_type, resource_id in self.created:
            try:
                await self.client.delete(resource_type, resource_id)
            except FHIRError as exc:
                left.append(f"{resource_type}/{resource_id}: {exc}")
        self.created.clear()
        return left


async def probe_atomic(space: ProbeSpace) -> tuple[bool | None, str]:
    """A 2-entry transaction whose second entry must fail (an update of an earlier probe
    resource with an ``If-Match`` on a version it never had): does the first entry land?"""
    if not space.created:
        return None, "no probe resource to make the second entry fail on"
    kind, existing = space.created[0]
    first = {"resource": space.basic("atomic"), "request": {"method": "POST", "url": "Basic"}}
    stale = {"method": "PUT", "url": f"{kind}/{existing}", "ifMatch": 'W/"999999"'}
    second = {"resource": {**space.basic("atomic-bad"), "id": existing}, "request": stale}
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [first, second]}
    try:
        result = await space.client.transaction(bundle)
    except FHIRStatusError as exc:
        said = f"HTTP {exc.status}" + (f" ({words(exc.outcome)})" if exc.outcome else "")
        try:
            landed = await space.find("atomic")
        except FHIRStatusError:
            return None, f"invalid entry refused with {said}; cannot search to see what landed"
        for found in landed:
            space.keep("Basic", found)
        if landed:
            return False, f"the valid entry landed although the transaction failed ({said})"
        return True, f"refused as a whole with {said}; nothing landed"
    for entry in result.entries:
        space.keep(entry.resource_type, entry.id)
    return None, "the server took an update with an If-Match on a version it never had"


@dataclass(frozen=True)
class SizeFinding:
    """The largest transaction taken (``cap``: None when every size up to ``largest`` was)."""

    cap: int | None
    largest: int
    detail: str


_NUMBER = re.compile(r"(?<![\w-])\d{1,6}(?![\w-])")  # not a code such as HAPI-0535


async def probe_size(space: ProbeSpace, sizes: Sequence[int]) -> SizeFinding:
    """After a 1-entry transaction was taken: transactions of ``sizes`` tiny Basics, smallest
    first, each deleted again once taken. The first refusal ends the probe, and a number in the
    server's words between the last size taken and the refused one is read as the cap (e.g.
    "at most 50 entries")."""
    taken = 1  # the caller saw a 1-entry transaction taken
    for size in sizes:
        names = [f"size{size}-{n}" for n in range(size)]
        try:
            result = await space.client.transaction(space.bundle("transaction", names))
        except FHIRStatusError as exc:
            said = words(exc.outcome) or f"HTTP {exc.status}"
            stated = [int(n) for n in _NUMBER.findall(said) if taken <= int(n) < size]
            cap = max(stated) if stated else taken
            return SizeFinding(cap, taken, f"{size} entries refused: {said}")
        ids = [(e.resource_type or "Basic", e.id or "") for e in result.entries]
        await _delete_all(space, ids)
        taken = size
    return SizeFinding(None, taken, f"{taken} entries taken")


async def _delete_all(space: ProbeSpace, ids: list[tuple[str, str]]) -> None:
    """Delete the probe resources ``ids`` in one transaction (its size was just taken); what that
    leaves is deleted one by one at the end."""
    entries = [{"request": {"method": "DELETE", "url": f"{kind}/{rid}"}} for kind, rid in ids]
    try:
        await space.client.transaction(
            {"resourceType": "Bundle", "type": "transaction", "entry": entries}
        )
    except FHIRError:
        for kind, rid in ids:
            space.keep(kind, rid)

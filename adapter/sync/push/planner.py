"""What one case's push must send: the changed resources, in reference order, with If-Match.

A resource is unchanged, and costs no request, when its content hash equals the ledger's, or
equals the hash of the same resource mapped from the case as last pushed (the server then holds
a merged version: our side has not changed since). Everything else is sent, and so is a
resource with case-management elements to restore (a pull listed them as changed on the server)
unless the server already holds exactly ours.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from adapter.mappings.bundle import full_url
from adapter.sync.hashing import content_hash
from adapter.sync.ledger.records import Entry, ResourceKey, SyncedResource
from adapter.sync.resources import internal_key_of, key_of, reference_values

__all__ = ["CasePlan", "Planned", "plan_case", "units"]

Resource = dict[str, Any]


@dataclass(frozen=True)
class Planned:
    """One resource to send. ``base`` is the same resource mapped from the case as last pushed
    (None if unknown); ``rebase`` says the server's copy differs from it (after a merge), so
    our changes must be applied onto the server's copy instead of replacing it."""

    key: ResourceKey
    body: Resource
    if_match: str | None = None
    base: Resource | None = None
    rebase: bool = False
    internal_key: str | None = None
    digest: str | None = None  # content_hash(body), computed once by the planner
    restore: frozenset[str] = frozenset()  # element paths where our value is written back

    @property
    def content_hash(self) -> str:
        return self.digest if self.digest is not None else content_hash(self.body)

    def entry(self) -> dict[str, Any]:
        """The transaction Bundle entry: PUT by id, If-Match when the version is known."""
        request: dict[str, Any] = {"method": "PUT", "url": f"{self.key[0]}/{self.key[1]}"}
        if self.if_match is not None:
            request["ifMatch"] = f'W/"{self.if_match}"'
        return {"fullUrl": full_url(self.body), "resource": self.body, "request": request}

    def with_body(self, body: Resource, if_match: str | None) -> Planned:
        return replace(self, body=body, if_match=if_match, rebase=False, digest=None)


@dataclass(frozen=True)
class CasePlan:
    """The resources to send (reference order) and those left alone."""

    case_id: str
    send: list[Planned]
    unchanged: list[SyncedResource]
    restoring: tuple[int, ...] = ()  # open conflicts this push resolves by writing ours back

    @property
    def total(self) -> int:
        return len(self.send) + len(self.unchanged)


def plan_case(
    case_id: str,
    resources: Sequence[Resource],
    known: Mapping[ResourceKey, Entry],
    previous: Mapping[ResourceKey, Resource] | None = None,
    restore: Mapping[ResourceKey, frozenset[str]] | None = None,
) -> CasePlan:
    """Compare each resource with the ledger (``known``) and the last pushed mapping;
    ``restore`` names per resource the element paths to write back."""
    send: list[Planned] = []
    unchanged: list[SyncedResource] = []
    previous, restore = previous or {}, restore or {}
    for resource in resources:
        key, digest = key_of(resource), content_hash(resource)
        entry, base = known.get(key), previous.get(key)
        base_hash = content_hash(base) if base is not None else None
        stored = entry.content_hash if entry is not None else None
        paths = restore.get(key, frozenset())
        same = (stored,) if paths else (stored, base_hash)
        if entry is not None and stored is not None and digest in same:
            unchanged.append(
                SyncedResource(*key, entry.version_id, stored, False, internal_key_of(resource))
            )
            continue
        version = entry.version_id if entry is not None else None
        send.append(
            Planned(
                key,
                resource,
                if_match=version,
                base=base,
                # Restoring: ours goes over the version pulled, nothing of it to keep.
                rebase=bool(version and stored and base_hash and stored != base_hash) and not paths,
                internal_key=internal_key_of(resource),
                digest=digest,
                restore=paths,
            )
        )
    return CasePlan(case_id, send, unchanged)


def units(planned: Sequence[Planned], on_server: Iterable[ResourceKey] = ()) -> list[list[Planned]]:
    """Groups that must travel together, dependencies first.

    A resource referencing another one of the same send that the server does not hold yet
    cannot land without it; a reference cycle (EpisodeOfCare <-> CareTeam, CarePlan <-> Task)
    can only land as one transaction. These are the strongly connected components of the
    "references a not-yet-stored resource" graph, emitted so referenced groups come first.
    """
    present = set(on_server)
    index = {f"{p.key[0]}/{p.key[1]}": i for i, p in enumerate(planned)}
    edges = [
        sorted(
            index[ref]
            for ref in reference_values(p.body)
            if ref in index and index[ref] != i and planned[index[ref]].key not in present
        )
        for i, p in enumerate(planned)
    ]
    return [[planned[i] for i in sorted(group)] for group in _components(edges)]


def _components(edges: list[list[int]]) -> list[list[int]]:
    """Tarjan's strongly connected components, each emitted after everything it reaches."""
    order: dict[int, int] = {}
    low: dict[int, int] = {}
    stack: list[int] = []
    on_stack: set[int] = set()
    out: list[list[int]] = []

    def visit(node: int) -> None:
        order[node] = low[node] = len(order)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges[node]:
            if nxt not in order:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], order[nxt])
        if low[node] == order[node]:
            group: list[int] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            out.append(group)

    for node in range(len(edges)):
        if node not in order:
            visit(node)
    return out

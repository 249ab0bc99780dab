"""``sandbox clean``: delete exactly what one namespace wrote on a server, and nothing else.

Finding. Every resource written under a namespace carries the tag ``<base>/namespace|<ns>``
(Provenance has no identifier; the tag finds it all the same), so one ``_tag`` search per
resource type the mapping writes finds all of them and nothing of anyone else's.

Deleting. The resources of a case point at each other in cycles (EpisodeOfCare <-> CareTeam,
EpisodeOfCare <-> Condition, CarePlan <-> Task), so no order of single deletes gets past a server
that enforces referential integrity. A transaction deletes them as one unit (HAPI checks
references when it commits):

- when the CapabilityStatement says ``conditionalDelete: multiple`` for every type involved, one
  transaction of ``DELETE <Type>?_tag=...`` entries; the server picks the resources itself;
- otherwise, or when the server refuses that, ``DELETE <Type>/<id>`` for the ids found, in
  transactions of at most :data:`MAX_ENTRIES`; chunks refused because others still point at
  them are sent once more, all together.

Then it searches again and reports anything left (someone pushed meanwhile) instead of hiding
it; the ledger forgets what was deleted so the next push sends it again. Deleting what is
already gone succeeds, so a second run is harmless and finds nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from adapter.errors import FHIRStatusError
from adapter.fhir.client import FHIRClient
from adapter.mappings.context import RESOURCE_TYPES
from adapter.mappings.namespace import tag_token

__all__ = ["MAX_ENTRIES", "CleanReport", "clean_namespace", "find_namespace"]

#: Entries per delete transaction: well under what public servers accept in one Bundle.
MAX_ENTRIES = 500
# Statuses with which a server says "not this way" to a conditional delete; try by id instead.
_REFUSED = frozenset({400, 403, 405, 412, 422, 501})

Method = Literal["nothing to delete", "dry run", "conditional delete", "delete by id"]


class _Forgetful(Protocol):
    def forget(self, server: str, resources: Sequence[tuple[str, str]]) -> int: ...


@dataclass(frozen=True)
class CleanReport:
    """What a clean found (ids per type), how it deleted them, and what is left."""

    server: str
    namespace: str
    found: Mapping[str, tuple[str, ...]]
    method: Method
    remaining: Mapping[str, int] = field(default_factory=dict)
    forgotten: int = 0

    @property
    def total(self) -> int:
        return sum(len(ids) for ids in self.found.values())

    @property
    def complete(self) -> bool:
        """True when nothing of the namespace is left on the server (always, for a dry run)."""
        return not any(self.remaining.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "namespace": self.namespace,
            "method": self.method,
            "found": {kind: list(ids) for kind, ids in self.found.items()},
            "remaining": dict(self.remaining),
            "ledger_entries_forgotten": self.forgotten,
        }


async def find_namespace(client: FHIRClient, namespace: str) -> dict[str, tuple[str, ...]]:
    """Ids of every resource tagged with ``namespace``, per type (types with none left out)."""
    found: dict[str, tuple[str, ...]] = {}
    params = {"_tag": tag_token(namespace), "_elements": "id", "_count": "200"}
    for resource_type in RESOURCE_TYPES:
        ids = [str(r["id"]) async for r in client.search(resource_type, params, no_cache=True)]
        if ids:
            found[resource_type] = tuple(sorted(set(ids)))
    return found


async def clean_namespace(
    client: FHIRClient,
    namespace: str,
    *,
    dry_run: bool = False,
    ledger: _Forgetful | None = None,
    conditional: bool = True,
    max_entries: int = MAX_ENTRIES,
) -> CleanReport:
    """Delete every resource of ``namespace`` on the client's server (or, dry, only find them).

    ``conditional=False`` skips the conditional form and deletes by id, in transactions of at
    most ``max_entries``; the ledger, if given, forgets the deleted resources for this server.
    """
    server = client.base.url
    found = await find_namespace(client, namespace)
    if not found or dry_run:
        method: Method = "dry run" if dry_run else "nothing to delete"
        return CleanReport(server, namespace, found, method)
    types = [t for t in reversed(RESOURCE_TYPES) if t in found]
    tried = conditional and await _allows_multiple_delete(client, types)
    if tried and await _delete_by_tag(client, namespace, types):
        method = "conditional delete"
    else:
        urls = [f"{t}/{i}" for t in types for i in found[t]]
        await _delete_by_id(client, urls, max_entries=max_entries)
        method = "delete by id"
    left = await find_namespace(client, namespace)
    keys = [(t, i) for t, ids in found.items() for i in ids if i not in left.get(t, ())]
    forgotten = ledger.forget(server, keys) if ledger is not None else 0
    remaining = {t: len(ids) for t, ids in left.items()}
    return CleanReport(server, namespace, found, method, remaining, forgotten)


async def _allows_multiple_delete(client: FHIRClient, types: Sequence[str]) -> bool:
    statement = await client.capabilities()
    allowed = {
        str(resource.get("type")): resource.get("conditionalDelete")
        for rest in statement.get("rest", [])
        if rest.get("mode", "server") == "server"
        for resource in rest.get("resource", [])
    }
    return all(allowed.get(t) == "multiple" for t in types)


async def _delete_by_tag(client: FHIRClient, namespace: str, types: Sequence[str]) -> bool:
    """One transaction of conditional deletes; False when the server refuses the form."""
    try:
        await client.transaction(_deletes(f"{t}?_tag={tag_token(namespace)}" for t in types))
    except FHIRStatusError as exc:
        if exc.status in _REFUSED:
            return False
        raise
    return True


async def _delete_by_id(client: FHIRClient, urls: Sequence[str], *, max_entries: int) -> None:
    blocked: list[str] = []
    for start in range(0, len(urls), max_entries):
        chunk = urls[start : start + max_entries]
        try:
            await client.transaction(_deletes(chunk))
        except FHIRStatusError as exc:
            # 409: still referenced by a resource in a later chunk (HAPI sends it uncoded).
            if exc.status != 409 or len(urls) <= max_entries:
                raise
            blocked += chunk
    if blocked:
        await client.transaction(_deletes(blocked))


def _deletes(urls: Iterable[str]) -> dict[str, Any]:
    entries = [{"request": {"method": "DELETE", "url": url}} for url in urls]
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}

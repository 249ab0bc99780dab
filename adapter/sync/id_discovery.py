"""Finding the server's ids of our resources by what names them there.

Where the server assigns ids (:mod:`adapter.sync.server_ids`), a new or lost ledger knows none
of them, so it could not read back what the server already holds: the marker that tells a push
the server has this installation's data, and each case's resources before their first write
(adoption, :mod:`adapter.sync.push.adopt`). This searches ``Type?identifier=a,b,...`` (or
``_tag=`` for a resource without a business identifier, :func:`adapter.sync.idmap.lookup_of`)
for what the ledger lacks and records each id found when exactly one resource of that type
matches. Two matching are left alone (the write by identifier then fails as
``duplicate-identity`` and says so). A client that uses the adapter's own ids has nothing to
find: it costs no request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from adapter.fhir.client import FHIRClient
from adapter.sync.idmap import lookup_of
from adapter.sync.ledger.records import ResourceKey
from adapter.sync.server_ids import ServerIdClient

__all__ = ["find_server_ids", "relocalized"]

_CHUNK: Final = 25  # values per search, to keep URLs short


async def find_server_ids(
    client: FHIRClient, wanted: Iterable[ResourceKey | Mapping[str, Any]]
) -> int:
    """Look up ``wanted`` (our resources, or the keys of those without an identifier) the
    ledger has no server id for; record and count those found."""
    if not isinstance(client, ServerIdClient):
        return 0
    by_search: dict[tuple[str, str], dict[str, ResourceKey]] = {}
    for item in wanted:
        if isinstance(item, ResourceKey):
            key, lookup = item, lookup_of({"resourceType": item[0], "id": item[1]})
        else:
            key, lookup = ResourceKey(str(item["resourceType"]), str(item["id"])), lookup_of(item)
        if lookup is not None and client.ids.server_id(key) is None:
            by_search.setdefault((key[0], lookup[0]), {})[lookup[1]] = key
    found: list[tuple[ResourceKey, str]] = []
    for (kind, param), tokens in by_search.items():
        items = list(tokens.items())
        for start in range(0, len(items), _CHUNK):
            found += await _search(client, kind, param, dict(items[start : start + _CHUNK]))
    await client.remember(found)
    return len(found)


def relocalized(client: FHIRClient, held: dict[ResourceKey, Any]) -> dict[ResourceKey, Any]:
    """``held`` (read back before all ids were found) with the references found since
    translated too."""
    if not isinstance(client, ServerIdClient):
        return held
    return {key: client.ids.to_local(resource) for key, resource in held.items()}


async def _search(
    client: ServerIdClient, kind: str, param: str, tokens: dict[str, ResourceKey]
) -> list[tuple[ResourceKey, str]]:
    hits: dict[ResourceKey, set[str]] = {}
    query = {param: ",".join(tokens), "_count": "200"}
    # the server's own answer, not translated: what names each resource is read as sent
    async for page in FHIRClient.search_pages(client, kind, query, no_cache=True):
        for entry in page.get("entry") or []:
            resource = entry.get("resource") or {}
            server_id = str(resource.get("id"))
            if (entry.get("search") or {}).get("mode", "match") != "match":
                continue
            if client.ids.owner(kind, server_id) is not None:
                continue  # already one of ours under a known id
            for token in _names(resource, param):
                if (owner := tokens.get(token)) is not None:
                    hits.setdefault(owner, set()).add(server_id)
    return [(key, ids.pop()) for key, ids in hits.items() if len(ids) == 1]


def _names(resource: Mapping[str, Any], param: str) -> list[str]:
    if param == "identifier":
        return [f"{i.get('system')}|{i.get('value')}" for i in resource.get("identifier") or []]
    tags = (resource.get("meta") or {}).get("tag") or []
    return [f"{t.get('system')}|{t.get('code')}" for t in tags]

"""Reading back what a push left on the server: per resource type, how many resources carry
the business identifiers of the given resources (by id for types that have no identifier).

Counting by identifier, not by id, is what would reveal a duplicate written under another id.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from adapter.fhir.client import FHIRClient
from adapter.mappings.identifiers import own_identifier

__all__ = ["count_on_server"]

_CHUNK = 25  # identifiers per search, to keep URLs short


async def count_on_server(
    client: FHIRClient, resources: Iterable[Mapping[str, Any]]
) -> Counter[str]:
    """Per type, the resources on the server matching the adapter identifiers of ``resources``."""
    by_identifier: dict[str, list[str]] = {}
    by_id: dict[str, list[str]] = {}
    for resource in {(r["resourceType"], r["id"]): r for r in resources}.values():
        kind = str(resource["resourceType"])
        token = _adapter_identifier(resource)
        if token is not None:
            by_identifier.setdefault(kind, []).append(token)
        else:
            by_id.setdefault(kind, []).append(str(resource["id"]))
    counts: Counter[str] = Counter()
    for param, groups in (("identifier", by_identifier), ("_id", by_id)):
        for kind, values in groups.items():
            counts[kind] += await _count(client, kind, param, values)
    return counts


def _adapter_identifier(resource: Mapping[str, Any]) -> str | None:
    own = own_identifier(resource)
    return None if own is None else f"{own.system}|{own.value}"


async def _count(client: FHIRClient, kind: str, param: str, values: list[str]) -> int:
    total = 0
    for start in range(0, len(values), _CHUNK):
        query = {param: ",".join(values[start : start + _CHUNK]), "_count": "200"}
        async for _ in client.search(kind, query, no_cache=True):
            total += 1
    return total

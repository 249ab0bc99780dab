"""``push --diff CASE``: field by field, the stored case's resources against the server's copies.

Each resource the stored case maps to is read from the server by id. Fields are compared as
JSON paths (``status``, ``goal[0].reference``, ``meta.tag[0].code``) with the server's own meta
(version, last updated, source) left out and numbers compared by value, as the ledger's content
hash does. The values are shown to the operator who asked; they are never logged.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from adapter.errors import ResourceNotFound
from adapter.fhir.client import FHIRClient
from adapter.sync.hashing import canonical_json
from adapter.sync.resources import key_of

__all__ = ["FieldDiff", "ResourceDiff", "compare", "diff_resources", "flatten"]

DiffState = Literal["same", "differs", "missing-on-server"]


@dataclass(frozen=True)
class FieldDiff:
    path: str
    stored: Any
    server: Any


@dataclass(frozen=True)
class ResourceDiff:
    resource_type: str
    resource_id: str
    state: DiffState
    server_version: str | None = None
    fields: list[FieldDiff] = field(default_factory=list)


async def diff_resources(
    client: FHIRClient, resources: Sequence[Mapping[str, Any]], *, concurrency: int = 4
) -> list[ResourceDiff]:
    """Each of ``resources`` (the stored case's mapping) against the server's copy."""
    gate = asyncio.Semaphore(concurrency)

    async def one(resource: Mapping[str, Any]) -> ResourceDiff:
        key = key_of(resource)
        async with gate:
            try:
                held = await client.read(key.resource_type, key.resource_id)
            except ResourceNotFound:  # 404, and 410 for a deleted one
                return ResourceDiff(key.resource_type, key.resource_id, "missing-on-server")
        version = (held.get("meta") or {}).get("versionId")
        fields = compare(resource, held)
        state: DiffState = "differs" if fields else "same"
        return ResourceDiff(key.resource_type, key.resource_id, state, version, fields)

    return list(await asyncio.gather(*(one(r) for r in resources)))


def compare(stored: Mapping[str, Any], server: Mapping[str, Any]) -> list[FieldDiff]:
    """The paths where the two differ (a path only one side has: the other side is None)."""
    ours = flatten(json.loads(canonical_json(stored)))
    theirs = flatten(json.loads(canonical_json(server)))
    return [
        FieldDiff(path, ours.get(path), theirs.get(path))
        for path in sorted(set(ours) | set(theirs))
        if ours.get(path) != theirs.get(path)
    ]


def flatten(node: Any, prefix: str = "") -> dict[str, Any]:
    """Leaf values by JSON path: ``{"a": [{"b": 1}]}`` -> ``{"a[0].b": 1}``."""
    found: dict[str, Any] = {}
    if isinstance(node, Mapping):
        for name, value in node.items():
            found.update(flatten(value, f"{prefix}.{name}" if prefix else str(name)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.update(flatten(value, f"{prefix}[{index}]"))
    else:
        found[prefix] = node
    return found

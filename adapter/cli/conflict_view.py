"""A conflict as rows of field, local value, server value (``adapter explain``).

The local value is the element of the resource the stored case maps to now; the server's is the
element of the version the conflict names, read from the server only when asked for
(``explain --read-server``). Values are shown to the operator who asked, never logged.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from typing import Any

from adapter.errors import AdapterError
from adapter.fhir import open_client
from adapter.mappings.bundle import case_to_resources
from adapter.model.validation import parse_case
from adapter.settings import Settings
from adapter.sync.ledger import Conflict
from adapter.sync.ledger.records import ResourceKey
from adapter.sync.resources import key_of

__all__ = ["NOT_READ", "conflict_rows", "element", "local_resources", "server_resources"]

Resource = dict[str, Any]

NOT_READ = "(not read: --read-server)"
ABSENT = "(absent)"


def local_resources(document: Mapping[str, Any] | None, namespace: str | None) -> dict[Any, Any]:
    """The resources the stored case maps to, by key (none when it cannot be mapped)."""
    if document is None:
        return {}
    try:
        return {key_of(r): r for r in case_to_resources(parse_case(document), namespace=namespace)}
    except AdapterError:
        return {}


def element(resource: Mapping[str, Any] | None, path: str) -> Any:
    """The element at ``path`` (``status``, ``executionPeriod.end``); None when absent."""
    node: Any = resource
    for name in path.split("."):
        if not isinstance(node, Mapping):
            return None
        node = node.get(name)
    return node


def fields_of(conflict: Conflict) -> list[str]:
    """The conflict's element paths: its ``fields`` column (a list, never spelled out)."""
    return [str(name) for name in conflict.fields or []]


def conflict_rows(
    conflict: Conflict,
    local: Mapping[Any, Resource],
    server: Mapping[Any, Resource | str] | None,
) -> list[dict[str, Any]]:
    """One row per field: ``{"field", "local", "server"}``. ``server`` None: not read (the
    server column says so); a string in it: why that resource could not be read."""
    key = ResourceKey(conflict.resource_type, conflict.resource_id)
    ours = local.get(key)
    theirs = server.get(key) if server is not None else None
    rows = []
    for name in fields_of(conflict):
        if server is None:
            server_value: Any = NOT_READ
        elif isinstance(theirs, str):
            server_value = theirs
        else:
            server_value = element(theirs, name)
        rows.append({"field": name, "local": element(ours, name), "server": server_value})
    return rows


def show(value: Any) -> str:
    """A value as one line of text for the table."""
    if value is None:
        return ABSENT
    if value == NOT_READ or (isinstance(value, str) and value.startswith("(unreadable")):
        return str(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def server_resources(
    settings: Settings, conflicts: Sequence[Conflict]
) -> dict[ResourceKey, Resource | str]:
    """The version of each conflict's resource the conflict names, read from the server; a
    resource that cannot be read maps to the reason."""
    return asyncio.run(_read(settings, conflicts))


async def _read(settings: Settings, conflicts: Sequence[Conflict]) -> dict[ResourceKey, Any]:
    found: dict[ResourceKey, Any] = {}
    async with open_client(settings) as client:
        for conflict in conflicts:
            key = ResourceKey(conflict.resource_type, conflict.resource_id)
            try:
                if conflict.server_version:
                    found[key] = await client.vread(*key, conflict.server_version)
                else:
                    found[key] = await client.read(*key)
            except AdapterError as exc:
                found[key] = f"(unreadable: {type(exc).__name__})"
    return found

"""What the console's pages show that the ledger does not hold as such: a conflict's fields
side by side (the case manager's value from the stored case, the server's from the server)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from adapter.errors import AdapterError, FHIRError, ResourceNotFound
from adapter.fhir import FHIRClient
from adapter.fhir.outcome import issue_line, trimmed
from adapter.mappings.bundle import case_to_resources
from adapter.model import parse_case
from adapter.sync.ledger import Conflict, StoredCase

__all__ = ["ConflictView", "Sides", "conflict_view", "server_says"]

_SHOWN = 400  # characters of one value shown; the rest is cut
ABSENT = "(absent)"


@dataclass(frozen=True)
class Sides:
    """One disputed element: its path, the case manager's value and the server's."""

    path: str
    local: str
    server: str


@dataclass(frozen=True)
class ConflictView:
    conflict: Conflict
    kind: str
    message: str | None
    sides: list[Sides] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Why a side could not be shown (the resource is gone from the server, say)."""


async def conflict_view(
    conflict: Conflict,
    stored: StoredCase | None,
    *,
    fhir: FHIRClient,
    server: str,
    namespace: str | None,
) -> ConflictView:
    """``conflict`` with each field's local value (the stored case mapped again) and server
    value (read now). Values are shown to the signed-in operator; they are never logged."""
    detail = conflict.detail or {}
    kind = str(detail.get("kind") or "merge")
    message = detail.get("message") if isinstance(detail.get("message"), str) else None
    key = (conflict.resource_type, conflict.resource_id)
    local, note = _local(stored, key, namespace)
    notes = [note] if note is not None else []
    theirs: Mapping[str, Any] | None = None
    if conflict.server_url.rstrip("/") != server.rstrip("/"):
        notes.append(f"recorded for {conflict.server_url}; this console reads {server}")
    else:
        try:
            theirs = await fhir.read(*key)
        except ResourceNotFound:
            notes.append("the resource is gone from the server (deleted)")
        except FHIRError as exc:
            notes.append(f"the server could not be read: {type(exc).__name__}")
    paths = conflict.fields or []
    sides = [Sides(path, _shown(local, path), _shown(theirs, path)) for path in paths]
    return ConflictView(conflict, kind, message, sides, notes)


def server_says(outcome: dict[str, Any] | None) -> list[str]:
    """The server's OperationOutcome issues as lines (severity, code, its text, location)."""
    return [issue_line(issue) for issue in (trimmed(outcome) or {}).get("issue") or []]


def _local(
    stored: StoredCase | None, key: tuple[str, str], namespace: str | None
) -> tuple[Mapping[str, Any] | None, str | None]:
    if stored is None or stored.document is None:
        return None, "no valid version of the case is stored"
    try:
        resources = case_to_resources(parse_case(stored.document), namespace=namespace)
    except AdapterError as exc:
        return None, f"the stored case cannot be mapped: {type(exc).__name__}"
    found = next((r for r in resources if (r["resourceType"], r["id"]) == key), None)
    return found, None if found is not None else "the stored case no longer has this resource"


def _shown(resource: Mapping[str, Any] | None, path: str) -> str:
    """The value at a merge path (``description``, ``executionPeriod.end``), as short text."""
    value: Any = resource
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    if value is None:
        return ABSENT
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"

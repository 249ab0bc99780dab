"""What a resource says about itself and what it points at, for both directions of the sync.

- :func:`key_of`: its ``(type, id)`` as the ledger keys it; :func:`key_text`: ``Type/id``.
- :func:`internal_key_of`, :func:`own_kind`, :func:`own_case_id`: what the adapter's own business
  identifier says (read by :func:`adapter.mappings.namespace.own_identifier`, the one reader).
- :func:`reference_values`: every ``reference`` string inside it; :func:`references`: those that
  are literal ``Type/id`` references, as ``Type/id``; :func:`reference_key` for one string.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final

from adapter.mappings.identifiers import own_identifier
from adapter.sync.ledger.records import ResourceKey

__all__ = [
    "internal_key_of",
    "key_of",
    "key_text",
    "meta_version",
    "own_case_id",
    "own_kind",
    "reference_key",
    "reference_values",
    "references",
]

Resource = Mapping[str, Any]

# Records of the client rather than of one case: they belong to every case of their Patient.
CLIENT_KINDS: Final = frozenset({"client", "preference"})


def key_of(resource: Resource) -> ResourceKey:
    return ResourceKey(str(resource["resourceType"]), str(resource["id"]))


def key_text(resource: Resource) -> str:
    return f"{resource.get('resourceType')}/{resource.get('id')}"


def internal_key_of(resource: Resource) -> str | None:
    """The value of the adapter's business identifier (``<case id>/<record id>``), if any."""
    own = own_identifier(resource)
    return None if own is None else own.value


def own_kind(resource: Resource) -> str | None:
    """The record kind of the adapter's business identifier (``task``, ``case`` ...), if any."""
    own = own_identifier(resource)
    return None if own is None else own.kind


def own_case_id(resource: Resource) -> str | None:
    """The case a resource the adapter wrote belongs to, from its business identifier.

    None for resources of other systems and for the client's own records (shared by all cases).
    """
    own = own_identifier(resource)
    if own is None or own.kind in CLIENT_KINDS:
        return None
    return own.value.split("/", 1)[0] or None


def reference_values(resource: Any) -> set[str]:
    """Every ``reference`` value anywhere in a resource (``Type/id`` or other forms)."""
    found: set[str] = set()
    stack = [resource]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            ref = item.get("reference")
            if isinstance(ref, str):
                found.add(ref)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def reference_key(text: str) -> str | None:
    """``Type/id`` of a relative or absolute literal reference; None for contained, urn or
    identifier-only references."""
    if not text or text.startswith(("#", "urn:")):
        return None
    parts = text.split("/_history/")[0].rstrip("/").split("/")
    if len(parts) < 2 or not parts[-2][:1].isupper() or not parts[-1]:
        return None
    return f"{parts[-2]}/{parts[-1]}"


def references(value: Any) -> Iterator[str]:
    """Every literal reference (``Type/id``) anywhere inside a resource, extensions included."""
    for text in reference_values(value):
        if (key := reference_key(text)) is not None:
            yield key


def meta_version(resource: Mapping[str, Any]) -> str | None:
    """The ``meta.versionId`` a server gave a resource, as text; None when it gave none."""
    return str((resource.get("meta") or {}).get("versionId") or "") or None

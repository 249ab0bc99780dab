"""Content hash of a FHIR resource: what "unchanged since the last push" means.

The hash covers everything the adapter decides, and nothing the server decides: the server
stamps ``meta.versionId``, ``meta.lastUpdated`` and ``meta.source`` on every write, so a
resource read back from the server hashes the same as the one that was sent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from adapter.fhir.json_body import dumps

__all__ = ["SERVER_META_KEYS", "canonical_json", "content_hash"]

SERVER_META_KEYS = frozenset({"versionId", "lastUpdated", "source"})


def canonical_json(resource: Mapping[str, Any]) -> str:
    """Sorted keys, no whitespace, UTF-8 characters kept as they are, server meta removed,
    numbers by value (``21000``, ``21000.0`` and ``21000.00`` hash the same: a server that
    writes a decimal differently has not changed it)."""
    return dumps(_by_value(_without_server_meta(resource)), sort_keys=True).decode()


def content_hash(resource: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of :func:`canonical_json`."""
    return hashlib.sha256(canonical_json(resource).encode("utf-8")).hexdigest()


def _by_value(node: Any) -> Any:
    """``node`` with every number as its normalized Decimal (no trailing zeros).

    Plain JSON types are told apart by ``type()`` first: the walk visits every element of
    every resource hashed, and ``isinstance`` against the ``Mapping`` ABC was most of its cost.
    """
    kind = type(node)
    if kind is str or kind is bool or node is None:
        return node
    if kind is dict:
        return {key: _by_value(value) for key, value in node.items()}
    if kind is list:
        return [_by_value(item) for item in node]
    return _other(node)


def _other(node: Any) -> Any:
    if isinstance(node, Mapping):
        return {key: _by_value(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_by_value(item) for item in node]
    if isinstance(node, bool) or not isinstance(node, int | float | Decimal):
        return node
    number = Decimal(str(node)) if isinstance(node, float) else Decimal(node)
    if not number.is_finite():
        raise ValueError("NaN and Infinity are not JSON")
    return number.normalize() if number else Decimal(0)


def _without_server_meta(resource: Mapping[str, Any]) -> dict[str, Any]:
    body = dict(resource)
    meta = body.pop("meta", None)
    if isinstance(meta, Mapping):
        kept = {key: value for key, value in meta.items() if key not in SERVER_META_KEYS}
        # An empty meta left behind by the stripping must not make the hash differ from a
        # resource that never had one.
        if kept:
            body["meta"] = kept
    elif meta is not None:
        body["meta"] = meta
    return body

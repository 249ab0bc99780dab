"""Content hash of a FHIR resource: what "unchanged since the last push" means.

The hash covers everything the adapter decides, and nothing the server decides: the server
stamps ``meta.versionId``, ``meta.lastUpdated`` and ``meta.source`` on every write, so a
resource read back from the server hashes the same as the one that was sent.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

__all__ = ["SERVER_META_KEYS", "canonical_json", "content_hash"]

SERVER_META_KEYS = frozenset({"versionId", "lastUpdated", "source"})


def canonical_json(resource: Mapping[str, Any]) -> str:
    """Sorted keys, no whitespace, UTF-8 characters kept as they are, server meta removed."""
    return json.dumps(
        _without_server_meta(resource),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )


def content_hash(resource: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of :func:`canonical_json`."""
    return hashlib.sha256(canonical_json(resource).encode("utf-8")).hexdigest()


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

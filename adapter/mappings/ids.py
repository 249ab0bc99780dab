"""Deterministic FHIR resource ids.

Every resource the adapter writes gets an id derived only from what identifies the internal
record, so the same record always lands on the same ``<Type>/<id>`` and a PUT is an idempotent
upsert. The id is ``cm-<kind>-<24 hex digits of a uuid5>``:

- never purely numeric (HAPI refuses client-assigned numeric ids, HAPI-333);
- at most 64 characters of ``[A-Za-z0-9-]`` (the FHIR id rule);
- free of the internal identifiers themselves, so no case or client number leaks into URLs.

The hash input is the kind and the key parts joined with ``/``; parts are escaped so that
``("a/b", "c")`` and ``("a", "b/c")`` never collide.
"""

from __future__ import annotations

import re
import uuid
from typing import Final

from adapter.canonical import CANONICAL_BASE

__all__ = ["ID_NAMESPACE", "is_valid_id", "resource_id"]

#: Fixed for ever: changing it would move every resource the adapter ever wrote.
ID_NAMESPACE: Final = uuid.uuid5(uuid.NAMESPACE_URL, f"{CANONICAL_BASE}/resource-id")

_KIND: Final = re.compile(r"^[a-z][a-z0-9-]{0,29}$")
_FHIR_ID: Final = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


def resource_id(kind: str, *key: str) -> str:
    """The id of the resource of ``kind`` for the record identified by ``key``.

    ``kind`` is a short lowercase word (``case``, ``goal``, ``task``); ``key`` the internal ids
    that identify the record, outermost first (e.g. case id, then goal id).
    """
    if not _KIND.match(kind):
        raise ValueError(f"resource kind must be a short lowercase word, got {kind!r}")
    if not key or any(not part for part in key):
        raise ValueError("resource id key parts must be non-empty")
    escaped = "/".join(part.replace("%", "%25").replace("/", "%2F") for part in (kind, *key))
    return f"cm-{kind}-{uuid.uuid5(ID_NAMESPACE, escaped).hex[:24]}"


def is_valid_id(value: str) -> bool:
    """True when ``value`` is a valid FHIR id that a HAPI server accepts on PUT."""
    return bool(_FHIR_ID.match(value)) and not value.isdigit()

"""Deterministic FHIR resource ids.

Every resource the adapter writes gets an id derived only from what identifies the internal
record, so the same record always lands on the same ``<Type>/<id>`` and a PUT is an idempotent
upsert. The id is ``cm-<kind>-<24 hex digits of a uuid5>``:

- never purely numeric (HAPI refuses client-assigned numeric ids, HAPI-333);
- at most 64 characters of ``[A-Za-z0-9-]`` (the FHIR id rule);
- free of the internal identifiers themselves, so no case or client number leaks into URLs.

The hash input is the kind and the key parts joined with ``/``; parts are escaped so that
``("a/b", "c")`` and ``("a", "b/c")`` never collide.

Under a namespace (see :mod:`adapter.mappings.namespace`) the id keeps its ``cm-<kind>-`` form
and its 24 hex digits come from a uuid5 of ``<namespace>|<id without namespace>``: stable, and
different in every namespace, so two installations never write to the same ``<Type>/<id>``.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from functools import lru_cache
from typing import Final

from adapter.canonical import CANONICAL_BASE, check_namespace

__all__ = [
    "ID_NAMESPACE",
    "is_own_id",
    "is_valid_id",
    "namespaced_id",
    "resource_id",
    "uuid5_hex",
]

#: Fixed for ever: changing it would move every resource the adapter ever wrote.
ID_NAMESPACE: Final = uuid.uuid5(uuid.NAMESPACE_URL, f"{CANONICAL_BASE}/resource-id")

_NAMESPACE_BYTES: Final = ID_NAMESPACE.bytes
_KIND: Final = re.compile(r"^[a-z][a-z0-9-]{0,29}$")
_FHIR_ID: Final = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
_OWN_ID: Final = re.compile(r"^cm-([a-z][a-z0-9-]{0,29})-[0-9a-f]{24}$")


@lru_cache(maxsize=4096)
def resource_id(kind: str, *key: str, namespace: str | None = None) -> str:
    """The id of the resource of ``kind`` for the record identified by ``key``.

    ``kind`` is a short lowercase word (``case``, ``goal``, ``task``); ``key`` the internal ids
    that identify the record, outermost first (e.g. case id, then goal id). Cached: a case's
    mapping asks for the same ids many times (every resource references the episode).
    """
    if not _KIND.match(kind):
        raise ValueError(f"resource kind must be a short lowercase word, got {kind!r}")
    if not key or any(not part for part in key):
        raise ValueError("resource id key parts must be non-empty")
    escaped = "/".join(part.replace("%", "%25").replace("/", "%2F") for part in (kind, *key))
    plain = f"cm-{kind}-{uuid5_hex(escaped)[:24]}"
    return plain if namespace is None else namespaced_id(plain, namespace)


def uuid5_hex(name: str) -> str:
    """``uuid.uuid5(ID_NAMESPACE, name).hex``, without building a UUID object (the mapping asks
    for one per resource and reference; the object cost more than the SHA-1)."""
    digest = bytearray(
        hashlib.sha1(_NAMESPACE_BYTES + name.encode(), usedforsecurity=False).digest()[:16]
    )
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    return digest.hex()


def namespaced_id(plain_id: str, namespace: str) -> str:
    """The id that :func:`resource_id` gives ``plain_id``'s record under ``namespace``."""
    match = _OWN_ID.match(plain_id)
    if match is None:
        raise ValueError(f"not an id the adapter derives: {plain_id!r}")
    digest = uuid5_hex(f"{check_namespace(namespace)}|{plain_id}")[:24]
    return f"cm-{match.group(1)}-{digest}"


def is_own_id(value: str) -> bool:
    """True when ``value`` has the shape of an id the adapter derives (namespaced or not)."""
    return bool(_OWN_ID.match(value))


def is_valid_id(value: str) -> bool:
    """True when ``value`` is a valid FHIR id that a HAPI server accepts on PUT."""
    return bool(_FHIR_ID.match(value)) and not value.isdigit()

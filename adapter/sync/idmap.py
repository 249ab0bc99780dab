"""Translating between the adapter's deterministic ids and a server's own ids (pure).

Where a server assigns ids, the sync engine still speaks only the adapter's ids: the ledger,
the planner, merges and pulls key every resource by ``<Type>/<deterministic id>``. An
:class:`IdMap` holds, for one server, the server's id of each resource it knows, and rewrites a
resource's ``id`` and its literal references either way: :meth:`IdMap.to_server` for what is
sent, :meth:`IdMap.to_local` for what is read. Ids it does not know (a provider's own resources,
an EHR's Patient) pass unchanged both ways.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final
from urllib.parse import urlencode

from adapter.canonical import CANONICAL_BASE
from adapter.mappings.identifiers import own_identifier
from adapter.mappings.ids import is_own_id
from adapter.sync.ledger.records import ResourceKey
from adapter.sync.resources import reference_key

__all__ = [
    "ID_TAG_SYSTEM",
    "IdMap",
    "criteria_of",
    "entry_key",
    "is_conditional",
    "lookup_of",
    "rewrite_references",
]

#: On the wire only: the tag that names a resource without a business identifier by our id.
ID_TAG_SYSTEM: Final = f"{CANONICAL_BASE}/resource-id"


class IdMap:
    """Deterministic key <-> server id, for one server."""

    def __init__(self, known: Mapping[ResourceKey, str] | None = None) -> None:
        self._server: dict[ResourceKey, str] = {}
        self._local: dict[tuple[str, str], str] = {}
        for key, server_id in (known or {}).items():
            self.add(key, server_id)

    def __len__(self) -> int:
        return len(self._server)

    def server_id(self, key: tuple[str, str]) -> str | None:
        return self._server.get(ResourceKey(*key))

    def local_id(self, resource_type: str, server_id: str) -> str | None:
        return self._local.get((resource_type, server_id))

    def owner(self, resource_type: str, server_id: str) -> ResourceKey | None:
        """The resource of ours the server id belongs to, if any."""
        local = self.local_id(resource_type, server_id)
        return None if local is None else ResourceKey(resource_type, local)

    def add(self, key: tuple[str, str], server_id: str) -> None:
        key = ResourceKey(*key)
        old = self._server.pop(key, None)
        if old is not None:
            self._local.pop((key[0], old), None)
        self._server[key] = server_id
        self._local[(key[0], server_id)] = key[1]

    def add_all(self, pairs: Iterable[tuple[ResourceKey, str]]) -> None:
        for key, server_id in pairs:
            self.add(key, server_id)

    def server_ref(self, text: str) -> str | None:
        """``Type/<server id>`` for a reference to one of ours the server named; else None."""
        key = reference_key(text)
        if key is None:
            return None
        kind, local = key.split("/", 1)
        server_id = self._server.get(ResourceKey(kind, local))
        return None if server_id is None else f"{kind}/{server_id}"

    def local_ref(self, text: str) -> str | None:
        """``Type/<deterministic id>`` for a reference to a server id of ours; else None."""
        key = reference_key(text)
        if key is None:
            return None
        kind, server_id = key.split("/", 1)
        local = self._local.get((kind, server_id))
        return None if local is None else f"{kind}/{local}"

    def to_server(
        self, resource: Mapping[str, Any], *, pending: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        """``resource`` as the server knows it: its id the server's (none while the server has
        not named it), references to ours by the server's ids, or by the ``fullUrl`` of an
        entry of the same transaction (``pending``: ``Type/id`` -> ``urn:uuid:...``)."""
        waiting = pending or {}

        def outbound(text: str) -> str | None:
            key = reference_key(text)
            if key is not None and key in waiting:
                return waiting[key]
            return self.server_ref(text)

        body: dict[str, Any] = rewrite_references(resource, outbound)
        local = body.get("id")
        if own_identifier(body) is None and isinstance(local, str) and is_own_id(local):
            # nothing else names it: a tag with our id lets the server find it (wire only)
            meta = dict(body.get("meta") or {})
            meta["tag"] = [*(meta.get("tag") or []), {"system": ID_TAG_SYSTEM, "code": local}]
            body["meta"] = meta
        server_id = self.server_id((str(body.get("resourceType")), str(body.get("id"))))
        if server_id is None:
            body.pop("id", None)
        else:
            body["id"] = server_id
        return body

    def to_local(self, resource: Mapping[str, Any]) -> dict[str, Any]:
        """``resource`` as the sync engine knows it: ids and references of ours translated back
        to the deterministic ones."""
        body: dict[str, Any] = rewrite_references(resource, self.local_ref)
        _untag(body)
        kind, server_id = body.get("resourceType"), body.get("id")
        if isinstance(kind, str) and isinstance(server_id, str):
            body["id"] = self._local.get((kind, server_id), server_id)
        return body


def _untag(body: dict[str, Any]) -> None:
    """Without the tag :meth:`IdMap.to_server` added (and without what it left empty)."""
    meta = body.get("meta")
    if not isinstance(meta, Mapping) or not meta.get("tag"):
        return
    tags = [
        t for t in meta["tag"] if not (isinstance(t, Mapping) and t.get("system") == ID_TAG_SYSTEM)
    ]
    kept = {**meta, "tag": tags} if tags else {k: v for k, v in meta.items() if k != "tag"}
    if kept:
        body["meta"] = kept
    else:
        body.pop("meta")


def _is_id_tag(tag: Any) -> bool:
    return isinstance(tag, Mapping) and tag.get("system") == ID_TAG_SYSTEM


def rewrite_references(node: Any, replace: Callable[[str], str | None]) -> Any:
    """A copy of ``node`` with every ``reference`` string ``replace`` gives a new value for
    replaced (None: kept)."""
    if isinstance(node, Mapping):
        out = {key: rewrite_references(value, replace) for key, value in node.items()}
        reference = node.get("reference")
        if isinstance(reference, str) and (new := replace(reference)) is not None:
            out["reference"] = new
        return out
    if isinstance(node, list):
        return [rewrite_references(item, replace) for item in node]
    return node


def entry_key(entry: Mapping[str, Any]) -> ResourceKey | None:
    """Our key of an entry that names ``Type/id`` (PUT or DELETE by id)."""
    request = entry.get("request") or {}
    url = str(request.get("url") or "")
    key = reference_key(url) if "?" not in url else None
    if key is None:
        return None
    kind, ident = key.split("/", 1)
    return ResourceKey(kind, ident)


def is_conditional(entry: Mapping[str, Any]) -> bool:
    return "?" in str((entry.get("request") or {}).get("url") or "")


def lookup_of(resource: Mapping[str, Any]) -> tuple[str, str] | None:
    """How the server finds one of our resources: (``identifier``, ``<system>|<value>``) of the
    adapter's own identifier; for a resource without one (Provenance, the marker), (``_tag``,
    ``<ID_TAG_SYSTEM>|<deterministic id>``) of the tag :meth:`IdMap.to_server` puts on it.
    None for a resource that is not ours."""
    own = own_identifier(resource)
    if own is not None:
        return ("identifier", f"{own.system}|{own.value}")
    for tag in (resource.get("meta") or {}).get("tag") or []:
        if isinstance(tag, Mapping) and tag.get("system") == ID_TAG_SYSTEM and tag.get("code"):
            return ("_tag", f"{ID_TAG_SYSTEM}|{tag['code']}")
    local = resource.get("id")
    if isinstance(local, str) and is_own_id(local):
        return ("_tag", f"{ID_TAG_SYSTEM}|{local}")
    return None


def criteria_of(resource: Mapping[str, Any]) -> str | None:
    """The conditional-write criteria (``identifier=...`` or ``_tag=...``) of one of ours."""
    lookup = lookup_of(resource)
    return None if lookup is None else urlencode({lookup[0]: lookup[1]})

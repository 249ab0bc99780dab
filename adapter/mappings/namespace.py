"""Namespaces: one installation's resources kept apart from everyone else's on a shared server.

The mapping modules write plain resources (ids ``cm-<kind>-<hex>``, identifier systems
``<base>/identifier/<kind>``). :func:`apply_namespace` turns that output into the namespaced form
in one pass, so no mapping module needs to know about namespaces:

- every adapter-derived id (the resource's own and those in references) becomes
  :func:`adapter.mappings.ids.namespaced_id`;
- every adapter identifier system becomes ``<base>/identifier/<namespace>/<kind>``;
- ``meta.tag`` gains ``{system: NAMESPACE_TAG_SYSTEM, code: <namespace>}``, the one handle that
  also finds resources without identifiers (Provenance) and that ``sandbox clean`` searches by.

:func:`select_namespace` is the way back for reading: it keeps the resources of one namespace
(or of any) and returns them with plain identifier systems, which is what the readers expect.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

from adapter.canonical import NAMESPACE_TAG_SYSTEM, identifier_system
from adapter.mappings.context import warn
from adapter.mappings.datatypes import Json
from adapter.mappings.identifiers import split_identifier_system
from adapter.mappings.ids import is_own_id, namespaced_id

__all__ = [
    "apply_namespace",
    "namespace_tag",
    "namespaces_of",
    "select_namespace",
    "tag_token",
]

_REFERENCE: Final = re.compile(r"^(?P<type>[A-Z][A-Za-z]+)/(?P<id>[^/]+)(?P<rest>/_history/.*)?$")


def namespace_tag(namespace: str) -> Json:
    """The ``meta.tag`` Coding that marks a resource as written under ``namespace``."""
    return {"system": NAMESPACE_TAG_SYSTEM, "code": namespace}


def tag_token(namespace: str) -> str:
    """The ``_tag`` search value that finds every resource of ``namespace``."""
    return f"{NAMESPACE_TAG_SYSTEM}|{namespace}"


def apply_namespace(resources: Iterable[Mapping[str, Any]], namespace: str) -> list[Json]:
    """Copies of the plain mapping output ``resources``, moved into ``namespace``."""
    out: list[Json] = []
    for resource in resources:
        moved: Json = _walk(resource, namespace)
        if is_own_id(str(moved.get("id", ""))):
            moved["id"] = namespaced_id(moved["id"], namespace)
        meta = dict(moved.get("meta") or {})
        meta["tag"] = [*meta.get("tag", []), namespace_tag(namespace)]
        moved["meta"] = meta
        out.append(moved)
    return out


def namespaces_of(resource: Mapping[str, Any]) -> set[str | None]:
    """The namespaces a resource's adapter identifiers and tags name (None: no namespace).

    Empty for resources that carry neither, such as those written by other systems.
    """
    found: set[str | None] = set()
    for item in resource.get("identifier", []):
        split = split_identifier_system(str(item.get("system", "")))
        if split is not None:
            found.add(split[0])
    for tag in (resource.get("meta") or {}).get("tag", []):
        if tag.get("system") == NAMESPACE_TAG_SYSTEM and tag.get("code"):
            found.add(str(tag["code"]))
    return found


def select_namespace(
    resources: Iterable[Mapping[str, Any]], *, namespace: str | None, warnings: list[str]
) -> list[Json]:
    """The resources of ``namespace`` (any, when None) with plain identifier systems.

    Resources that name another namespace (or none, when one is asked for) are skipped with a
    warning; resources that name no namespace at all (other systems' data) are kept as they are.
    """
    kept: list[Json] = []
    for resource in resources:
        found = namespaces_of(resource)
        if namespace is not None and found and found != {namespace}:
            warn(warnings, resource, "written under another namespace; skipped")
            continue
        kept.append(_plain(resource) if found else dict(resource))
    return kept


def _plain(resource: Mapping[str, Any]) -> Json:
    plain: Json = _walk(resource, None)
    meta = plain.get("meta")
    if isinstance(meta, dict) and "tag" in meta:
        # ``plain`` is a deep copy: trimming it in place leaves the caller's resource intact.
        meta["tag"] = [t for t in meta["tag"] if t.get("system") != NAMESPACE_TAG_SYSTEM]
        if not meta["tag"]:
            del meta["tag"]
        if not meta:
            del plain["meta"]
    return plain


def _walk(node: Any, namespace: str | None) -> Any:
    """A deep copy of ``node`` with identifier systems (and, into a namespace, ids in references)
    moved to ``namespace``; None moves systems back to the plain form and leaves ids alone."""
    if isinstance(node, list):
        return [_walk(item, namespace) for item in node]
    if not isinstance(node, Mapping):
        return node
    out = {key: _walk(value, namespace) for key, value in node.items()}
    system = out.get("system")
    split = split_identifier_system(system) if isinstance(system, str) else None
    if split is not None:
        out["system"] = identifier_system(split[1], namespace=namespace)
    reference = out.get("reference")
    if namespace is not None and isinstance(reference, str):
        out["reference"] = _moved_reference(reference, namespace)
    return out


def _moved_reference(reference: str, namespace: str) -> str:
    match = _REFERENCE.match(reference)
    if match is None or not is_own_id(match["id"]):
        return reference
    return f"{match['type']}/{namespaced_id(match['id'], namespace)}{match['rest'] or ''}"

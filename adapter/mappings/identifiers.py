"""The adapter's own business identifiers: the one place that reads them.

Every record the adapter writes carries ``<identifier base>/[<namespace>/]<kind>|<case id>/<key>``
(see :func:`adapter.canonical.identifier_system`). Whether a resource is ours, of which kind and
of which case is answered here, for the mappings and both directions of the sync alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from adapter.canonical import DEFAULT_IDENTIFIER_BASE, identifier_base
from adapter.mappings.record_kind import RECORD_KINDS

__all__ = ["OwnIdentifier", "own_identifier", "own_identifier_systems", "split_identifier_system"]


def split_identifier_system(system: str) -> tuple[str | None, str] | None:
    """(namespace or None, kind) of an adapter identifier system; None for any other system.

    Systems under this process's identifier base (``ADAPTER_IDENTIFIER_BASE``) and under the
    adapter's default base are both the adapter's: data written before a base was configured is
    still read as ours."""
    for base in dict.fromkeys((identifier_base(), DEFAULT_IDENTIFIER_BASE)):
        prefix = f"{base}/"
        if not system.startswith(prefix):
            continue
        parts = system.removeprefix(prefix).split("/")
        if len(parts) == 1:
            return None, parts[0]
        if len(parts) == 2:
            return parts[0], parts[1]
    return None


class OwnIdentifier(NamedTuple):
    """The adapter's business identifier on a resource: ``<base>/identifier/[<ns>/]<kind>``."""

    namespace: str | None
    kind: str
    system: str
    value: str


def own_identifier(resource: Mapping[str, Any]) -> OwnIdentifier | None:
    """The adapter's own business identifier of ``resource``, if it carries one.

    The one reader of it: every layer that asks "is this ours, of which kind, of which case"
    goes through here, so the prefix rule lives in one place (:func:`split_identifier_system`).
    """
    for item in resource.get("identifier") or []:
        system, value = item.get("system"), item.get("value")
        if not isinstance(system, str) or not isinstance(value, str) or not value:
            continue
        split = split_identifier_system(system)
        if split is not None:
            return OwnIdentifier(split[0], split[1], system, value)
    return None


def own_identifier_systems() -> list[str]:
    """Every business identifier system the adapter writes without a namespace, one per record
    kind, under this process's identifier base and the default one (what
    :func:`split_identifier_system` reads as ours)."""
    bases = dict.fromkeys((identifier_base(), DEFAULT_IDENTIFIER_BASE))
    return [f"{base}/{kind}" for base in bases for kind in RECORD_KINDS]

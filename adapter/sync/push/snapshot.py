"""The pushed snapshot after a partial push: the case as the server now holds it.

The snapshot is the base of later three-way merges (push conflicts, pull), so it must say
exactly what the server holds of ours: the new version of every resource that landed, the
previous one of every resource that did not. Keeping the old snapshot after a partial push
would make what landed look locally changed again, and a later server edit to it a conflict;
taking the new document whole would claim what never landed.

Built at the resource level and mapped back to a case. It is kept only when mapping it again
gives exactly those resources; otherwise (a record spread over several resources of which some
landed) None, and the caller keeps the previous snapshot, which never claims too much.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from adapter.errors import AdapterError
from adapter.mappings.bundle import bundle_to_case, case_to_resources
from adapter.model.validation import parse_case
from adapter.sync.hashing import content_hash
from adapter.sync.ledger.records import ResourceKey
from adapter.sync.resources import key_of

__all__ = ["landed_snapshot"]


def landed_snapshot(
    document: Mapping[str, Any],
    previous: Mapping[str, Any] | None,
    failed: Collection[ResourceKey],
    *,
    namespace: str | None,
) -> dict[str, Any] | None:
    """The case document whose mapping is ``document``'s where it landed and ``previous``'s
    (the snapshot before this push; None if never pushed) for the ``failed`` resources."""
    try:
        now = _mapped(document, namespace)
        before = _mapped(previous, namespace) if previous is not None else {}
        held = {key: now[key] for key in now if key not in failed}
        held |= {key: before[key] for key in failed if key in before}
        case = bundle_to_case(list(held.values()), namespace=namespace)
        again = _mapped(case.model_dump(mode="json"), namespace)
    except AdapterError:
        return None
    if _hashes(again) != _hashes(held):
        return None
    return case.model_dump(mode="json", exclude_defaults=True)


def _mapped(document: Mapping[str, Any], namespace: str | None) -> dict[ResourceKey, Any]:
    resources = case_to_resources(parse_case(dict(document)), namespace=namespace)
    return {key_of(resource): resource for resource in resources}


def _hashes(resources: Mapping[ResourceKey, Any]) -> dict[ResourceKey, str]:
    return {key: content_hash(resource) for key, resource in resources.items()}

"""Conflicts a person can close: list them, look at one, settle it for one side.

A conflict is a server change the rules did not apply by themselves (a case-management
element changed on the server, a status the tables cannot reach, a push's merge where both
sides changed one case-management element). Settling it:

- ``take="server"``: the stored case gets the server's values of the disputed elements (kept
  with the conflict when it was recorded), in one ledger transaction with the change feed's
  rows (origin ``conflict-resolved-server``) and the conflict marked ``server``. The result
  must still be a valid case and a legal status change; if not, :class:`ConflictError` and
  nothing changes.
- ``take="local"``: the stored case stays as it is; the conflict is marked ``local-pending``
  and the next push writes the local values of the disputed elements over the server's (it
  becomes ``local`` when that push lands).

Other helpers call :func:`resolve_conflict` as it is (a browser console): keep its signature.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from adapter.errors import AdapterError, ConflictError, ConflictNotFound
from adapter.mappings.bundle import bundle_to_case, case_to_resources
from adapter.model.case import Case
from adapter.sync.case_changes import first_problem
from adapter.sync.feed import FeedChange, Origin, feed_changes
from adapter.sync.ledger import Conflict, Ledger, ResourceKey
from adapter.sync.ledger.cases import disputed_paths
from adapter.sync.ledger.writes import LOCAL_PENDING
from adapter.sync.namespace import NAMESPACE_KEY
from adapter.sync.taking import with_paths

__all__ = [
    "CONFLICT_SOURCE",
    "ConflictView",
    "Resolution",
    "Take",
    "list_conflicts",
    "resolve_conflict",
    "show_conflict",
]

Take = Literal["server", "local"]

#: The stored case's source after a conflict was settled for the server.
CONFLICT_SOURCE = "conflict"


@dataclass(frozen=True, slots=True)
class ConflictView:
    """One conflict as a person sees it: element paths and codes, never values."""

    id: int
    case_id: str
    server: str
    resource_type: str
    resource_id: str
    local_version: str | None
    server_version: str | None
    fields: tuple[str, ...]
    kind: str
    message: str | None
    created_at: datetime
    resolved_at: datetime | None
    resolution: str | None
    server_side_kept: bool
    """Whether the server's values were kept with it (``take="server"`` possible)."""

    @property
    def open(self) -> bool:
        return self.resolved_at is None

    @classmethod
    def of(cls, conflict: Conflict) -> ConflictView:
        detail = conflict.detail or {}
        kind = detail.get("kind")
        return cls(
            id=conflict.id,
            case_id=conflict.case_id,
            server=conflict.server_url,
            resource_type=conflict.resource_type,
            resource_id=conflict.resource_id,
            local_version=conflict.local_version,
            server_version=conflict.server_version,
            fields=_disputed(conflict),
            kind=kind if isinstance(kind, str) else "push-merge",
            message=detail.get("message") if isinstance(detail.get("message"), str) else None,
            created_at=conflict.created_at,
            resolved_at=conflict.resolved_at,
            resolution=conflict.resolution,
            server_side_kept=isinstance(detail.get("server"), dict),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "case_id": self.case_id,
            "server": self.server,
            "resource": {
                "type": self.resource_type,
                "id": self.resource_id,
                "local_version": self.local_version,
                "server_version": self.server_version,
            },
            "fields": list(self.fields),
            "kind": self.kind,
            "message": self.message,
            "open": self.open,
            "created_at": self.created_at.isoformat(),
            "resolved_at": self.resolved_at.isoformat() if self.resolved_at else None,
            "resolution": self.resolution,
            "server_side_kept": self.server_side_kept,
        }


@dataclass(frozen=True, slots=True)
class Resolution:
    """What settling did: the conflict as it now is, and the stored case's changed fields."""

    conflict: ConflictView
    changes: tuple[FeedChange, ...] = ()


def list_conflicts(
    ledger: Ledger, *, case_id: str | None = None, open_only: bool = True
) -> list[ConflictView]:
    """Conflicts of every server, oldest first (of one case with ``case_id``)."""
    return [ConflictView.of(c) for c in ledger.conflicts(case_id=case_id, open_only=open_only)]


def show_conflict(ledger: Ledger, conflict_id: int) -> ConflictView:
    """One conflict, open or resolved; :class:`ConflictNotFound` when there is none."""
    found = ledger.conflict(conflict_id)
    if found is None:
        raise ConflictNotFound(f"no conflict {conflict_id} in the ledger", conflict_id=conflict_id)
    return ConflictView.of(found)


def resolve_conflict(
    ledger: Ledger, conflict_id: int, take: Take, *, namespace: str | None = None
) -> Resolution:
    """Settle an open conflict for the ``server`` or the ``local`` side (module docstring).
    ``namespace``: the one this installation writes under, when settings name it (the
    ledger's own is tried next, then none)."""
    conflict = ledger.conflict(conflict_id)
    if conflict is None:
        raise ConflictNotFound(f"no conflict {conflict_id} in the ledger", conflict_id=conflict_id)
    if conflict.resolved_at is not None:
        raise ConflictError(
            f"conflict {conflict_id} is resolved already ({conflict.resolution or 'merged'})",
            conflict_id=conflict_id,
        )
    if take == "local":
        settled = ledger.settle_conflict(conflict_id, LOCAL_PENDING, resend=True)
        return Resolution(_settled(settled, conflict_id))
    if take != "server":
        raise ConflictError(
            f"take must be 'server' or 'local', not {take!r}", conflict_id=conflict_id
        )
    document, feed = _server_side(ledger, conflict, namespace)
    settled = ledger.settle_conflict(
        conflict_id, "server", case=(document, CONFLICT_SOURCE), feed=feed
    )
    return Resolution(_settled(settled, conflict_id), tuple(feed))


def _server_side(
    ledger: Ledger, conflict: Conflict, namespace: str | None
) -> tuple[dict[str, Any], list[FeedChange]]:
    """The stored case with the server's disputed elements, and what that changed."""
    server = (conflict.detail or {}).get("server")
    if not isinstance(server, dict):
        raise ConflictError(
            f"conflict {conflict.id}: the server's values were not kept with it (a deleted "
            "resource, or a conflict recorded before version 0005 of the ledger); pull again "
            "or take local",
            conflict_id=conflict.id,
        )
    stored = ledger.get_case(conflict.case_id)
    if stored is None or stored.document is None:
        raise ConflictError(
            f"conflict {conflict.id}: case {conflict.case_id} is not in the case store",
            conflict_id=conflict.id,
        )
    case = Case.model_validate(stored.document)
    key = ResourceKey(conflict.resource_type, conflict.resource_id)
    namespace, resources = _mapped(ledger, case, key, conflict.id, namespace)
    merged = with_paths(resources[key], server, _disputed(conflict))
    try:
        after = bundle_to_case(list({**resources, key: merged}.values()), namespace=namespace)
    except AdapterError as exc:
        raise ConflictError(
            f"conflict {conflict.id}: the server's values do not make a valid case ({exc})",
            conflict_id=conflict.id,
        ) from exc
    problem = first_problem(case, after)
    if problem is not None:
        raise ConflictError(
            f"conflict {conflict.id}: the server's values are not a legal change ({problem}); "
            "take local",
            conflict_id=conflict.id,
        )
    steps = [(key, conflict.server_version, case, after)]
    feed = feed_changes(case.id, steps, Origin.CONFLICT_SERVER)
    return after.model_dump(mode="json", exclude_none=True), feed


def _mapped(
    ledger: Ledger, case: Case, key: ResourceKey, conflict_id: int, given: str | None
) -> tuple[str | None, dict[ResourceKey, dict[str, Any]]]:
    """The case's resources under the namespace its resource ids were written with (the
    ledger's, or none)."""
    for namespace in dict.fromkeys((given, ledger.get_setting(NAMESPACE_KEY), None)):
        mapped = case_to_resources(case, namespace=namespace)
        resources = {ResourceKey(r["resourceType"], r["id"]): dict(r) for r in mapped}
        if key in resources:
            return namespace, resources
    raise ConflictError(
        f"conflict {conflict_id}: {key[0]}/{key[1]} is no longer part of case {case.id}",
        conflict_id=conflict_id,
    )


def _disputed(conflict: Conflict) -> tuple[str, ...]:
    return disputed_paths(conflict.fields, conflict.detail)


def _settled(conflict: Conflict | None, conflict_id: int) -> ConflictView:
    if conflict is None:  # another process settled it between our read and our write
        raise ConflictError(
            f"conflict {conflict_id} was resolved meanwhile", conflict_id=conflict_id
        )
    return ConflictView.of(conflict)

"""Applying server-side changes to one stored case, by field ownership.

For each changed resource of the case the server's version is merged into ours with
:func:`adapter.sync.merge.three_way` (the base is the case as last pushed, when the store has
it) and the ownership table decides what may come in:

- elements the performer owns (:mod:`adapter.sync.ownership`: ``Task.status``,
  ``statusReason``, ``output``; ``Goal.achievementStatus``, ``statusDate``) take the server's
  value when the server changed them;
- any other element the server changed is a *dispute*: reported (and kept in the ledger as a
  conflict), never applied;
- the result must still map to a valid case and pass the model's transition tables. A status
  several legal steps ahead is accepted (a pull sees snapshots, not every step: ``requested ->
  completed`` passes through ``in-progress``); one the table cannot reach (``completed ->
  requested``) is a dispute, and the other changes still apply.

A server that does not take some resource types holds the case as the per-server selection
shaped it (:mod:`adapter.sync.type_selection`: left-out resources and references to them
removed). The server's version is compared with ours and the base shaped the same way, so an
element the selection removed is not taken for a change on the server; what is taken in is put
into the whole resource, so the stored case keeps what the server never held.

Deletes: records are cancelled, never removed (the model's rule). A deleted Task cancels the
task, a deleted Goal cancels the goal, unless it has already finished (then it is kept as it is
and the delete is reported). Deleting any other resource of the case is reported and not applied.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from adapter.errors import AdapterError
from adapter.mappings.bundle import bundle_to_case, case_to_resources
from adapter.model.case import Case
from adapter.sync.hashing import content_hash
from adapter.sync.ledger.cases import CM_OWNED_DISPUTE
from adapter.sync.ledger.records import ResourceKey, SyncedResource
from adapter.sync.merge import three_way
from adapter.sync.ownership import performer_may_set, performer_owned
from adapter.sync.pull.case_diff import FieldChange, cancel_record, case_changes, first_problem
from adapter.sync.pull.changes import Change
from adapter.sync.taking import with_paths
from adapter.sync.type_selection import Selection

__all__ = [
    "DELETED_HASH",
    "CaseUpdate",
    "Dispute",
    "DisputeKind",
    "Step",
    "apply_changes",
    "apply_suspects",
]

Resource = Mapping[str, Any]
#: One server resource taken into the case: its key, version, the case before and after.
Step = tuple[ResourceKey, str | None, Case, Case]

#: Ledger hash of a resource the server deleted: matches no content, so a push sends it again.
DELETED_HASH: Final = "deleted"

#: Elements that carry no case data (server bookkeeping, generated narrative).
_IGNORED: Final = frozenset({"meta", "text"})


class DisputeKind:
    CASE_MANAGEMENT_OWNED = CM_OWNED_DISPUTE
    ILLEGAL = "illegal-change"
    DELETED = "deleted-on-server"
    NEW = "new-on-server"


#: Records a server may delete: the delete cancels them, or is reported when they are finished.
_CANCELLABLE: Final = frozenset({"Task", "Goal"})


@dataclass(frozen=True, slots=True)
class Dispute:
    """A server change that was not applied. ``message`` names elements and codes only."""

    resource: ResourceKey
    version_id: str | None
    kind: str
    fields: tuple[str, ...]
    message: str

    @property
    def is_warning(self) -> bool:
        """Reported, with nothing for a person to decide: a resource new on the server (not
        imported), or the delete of a task or goal already finished (kept, and written back by
        the next push). Everything else is a conflict, kept in the ledger."""
        if self.kind == DisputeKind.NEW:
            return True
        return self.kind == DisputeKind.DELETED and self.resource.resource_type in _CANCELLABLE


@dataclass
class CaseUpdate:
    """What a pull did to one case."""

    before: Case
    after: Case
    changes: list[FieldChange] = field(default_factory=list)
    disputes: list[Dispute] = field(default_factory=list)
    synced: list[SyncedResource] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    """Each server resource taken in, in order, with the case before and after it (the
    change feed's source: :func:`adapter.sync.feed.feed_changes`)."""

    @property
    def case_id(self) -> str:
        return self.after.id

    @property
    def changed(self) -> bool:
        return self.after != self.before

    @property
    def conflicts(self) -> list[Dispute]:
        return [dispute for dispute in self.disputes if not dispute.is_warning]

    @property
    def warnings(self) -> list[Dispute]:
        return [dispute for dispute in self.disputes if dispute.is_warning]


def apply_changes(
    stored: Case,
    changes: Sequence[Change],
    *,
    base: Case | None = None,
    namespace: str | None = None,
    selection: Selection | None = None,
) -> CaseUpdate:
    """Merge ``changes`` (newest server versions of this case's resources) into ``stored``;
    ``selection``: the types this server does not take (none left out when not given)."""
    state = _State(stored, namespace, selection or Selection())
    bases = state.shaped(state.resources_of(base)) if base is not None else {}
    update = CaseUpdate(before=stored, after=stored)
    for change in sorted(changes, key=lambda c: c.key):
        ours = state.resources.get(change.key)
        if ours is None:
            if not change.deleted:
                update.disputes.append(
                    _dispute(change, DisputeKind.NEW, (), "not part of the case")
                )
            continue
        if change.deleted:
            problem = state.cancel(change)
        else:
            problem = state.merge(change, ours, bases.get(change.key), update)
        if problem is not None:
            update.disputes.append(problem)
    update.after = state.case
    update.steps = state.steps
    update.changes = case_changes(stored, state.case)
    update.synced = _synced(changes, state, update.disputes)
    return update


def apply_suspects(
    update: CaseUpdate,
    suspects: Sequence[Change],
    *,
    base: Case | None = None,
    namespace: str | None = None,
    selection: Selection | None = None,
) -> list[ResourceKey]:
    """Add to ``update`` the suspects (:func:`adapter.sync.pull.changes.suspects`: versions the
    ledger holds, with other content) that change the case or are disputed; return their keys.
    One at a time, so that each is judged by what it alone changes."""
    real: list[ResourceKey] = []
    for change in suspects:
        more = apply_changes(
            update.after, [change], base=base, namespace=namespace, selection=selection
        )
        if not more.changed and not more.disputes:
            continue
        real.append(change.key)
        update.after = more.after
        update.disputes += more.disputes
        update.synced += more.synced
        update.steps += more.steps
    if real:
        update.changes = case_changes(update.before, update.after)
    return real


class _State:
    """The case as changes are applied, and the resources it maps to (merged bodies kept)."""

    def __init__(self, case: Case, namespace: str | None, selection: Selection) -> None:
        self.namespace = namespace
        self.selection = selection
        self.case = case
        self.resources = self.resources_of(case)
        self.applied: set[ResourceKey] = set()
        self.steps: list[Step] = []

    def resources_of(self, case: Case) -> dict[ResourceKey, Resource]:
        resources = case_to_resources(case, namespace=self.namespace)
        return {ResourceKey(r["resourceType"], r["id"]): r for r in resources}

    def shaped(self, resources: Mapping[ResourceKey, Resource]) -> dict[ResourceKey, Resource]:
        """``resources`` as a push writes them to this server (the selection applied)."""
        if not self.selection.shapes:
            return dict(resources)
        kept, _ = self.selection.apply([dict(r) for r in resources.values()])
        return {ResourceKey(r["resourceType"], r["id"]): r for r in kept}

    def merge(
        self, change: Change, ours: Resource, base: Resource | None, update: CaseUpdate
    ) -> Dispute | None:
        theirs = change.resource
        assert theirs is not None
        mine = self.shaped(self.resources).get(change.key, ours)  # what the server was given
        merge = three_way(ours=mine, theirs=theirs, ours_base=base, theirs_base=base)
        owned = performer_owned(change.resource_type)
        server_side = (*merge.kept_from_server, *merge.server_won, *merge.conflicts)
        if base is None:  # no base: every difference may be the server's
            server_side += merge.applied
        # Owned by the performer, and (Task.status) a value the performer may set.
        kind = change.resource_type
        take = [p for p in server_side if performer_may_set(kind, p, theirs.get(p))]
        refused = tuple(p for p in dict.fromkeys(server_side) if p in owned and p not in take)
        if refused:
            was, now = ours.get("status"), theirs.get("status")
            reason = f"{kind}.status {was!r} -> {now!r}: {now!r} is the requester's to set"
            update.disputes.append(_dispute(change, DisputeKind.ILLEGAL, refused, reason))
        disputed = tuple(p for p in dict.fromkeys(server_side) if p not in {*owned, *_IGNORED})
        if disputed:
            reason = "case-management elements changed on the server; not applied"
            update.disputes.append(
                _dispute(change, DisputeKind.CASE_MANAGEMENT_OWNED, disputed, reason)
            )
        merged = with_paths(ours, theirs, take)
        if merged == ours:
            return None
        return self._accept(change, {**self.resources, change.key: merged}, tuple(take))

    def cancel(self, change: Change) -> Dispute | None:
        cancelled = cancel_record(self.case, self.resources[change.key])
        if cancelled is None:
            reason = "deleted on the server; the record is kept (records are never removed)"
            return _dispute(change, DisputeKind.DELETED, (), reason)
        if cancelled == self.case:
            return None
        return self._accept(change, self.resources_of(cancelled), ("status",), case=cancelled)

    def _accept(
        self,
        change: Change,
        resources: dict[ResourceKey, Resource],
        fields: tuple[str, ...],
        *,
        case: Case | None = None,
    ) -> Dispute | None:
        try:
            candidate = case or bundle_to_case(list(resources.values()), namespace=self.namespace)
        except AdapterError as exc:
            return _dispute(change, DisputeKind.ILLEGAL, fields, str(exc))
        problem = first_problem(self.case, candidate)
        if problem is not None:
            return _dispute(change, DisputeKind.ILLEGAL, fields, problem)
        self.steps.append((change.key, change.version_id, self.case, candidate))
        self.case, self.resources = candidate, resources
        self.applied.add(change.key)
        return None


def _synced(
    changes: Sequence[Change], state: _State, disputes: Sequence[Dispute]
) -> list[SyncedResource]:
    """The ledger's new baseline for each change looked at.

    A resource taken in without dispute gets the hash of what the updated case maps to, so the
    next push sees nothing to send (the server may spell a code without its display; what it
    holds means the same). A disputed one keeps the server's hash, so a push restores the
    case manager's elements; a deleted one matches nothing, so a push restores the record.
    """
    disputed = {d.resource for d in disputes}
    final = state.shaped(state.resources_of(state.case))  # as a push would write them
    out = []
    for change in changes:
        if change.key not in final:
            continue
        if change.resource is None:
            digest = DELETED_HASH
        elif change.key in disputed:
            digest = content_hash(change.resource)
        else:
            digest = content_hash(final[change.key])
        out.append(
            SyncedResource(
                change.resource_type, change.resource_id, change.version_id, digest,
                changed=change.key in state.applied,
            )
        )  # fmt: skip
    return out


def _dispute(change: Change, kind: str, fields: tuple[str, ...], message: str) -> Dispute:
    return Dispute(change.key, change.version_id, kind, fields, message)

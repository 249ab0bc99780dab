"""Sending one case's changed resources: one transaction, version conflicts merged, and a
rejected transaction bisected so that only the poison entry stays behind. After a failed
transaction that may have left part behind (a non-atomic server, or no answer), the resources
are read back before anything is sent again (:mod:`adapter.sync.push.settle`).

Strictly sequential within a case; the caller runs cases in parallel.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from adapter.errors import AdapterError, FHIRStatusError, ResourceNotFound
from adapter.fhir.client import FHIRClient
from adapter.fhir.results import EntryResult
from adapter.sync.ledger.records import ResourceKey, SyncedResource
from adapter.sync.ledger.schema import ReasonCode
from adapter.sync.merge import Merge, three_way
from adapter.sync.push.failures import (
    Failure,
    classify,
    is_entry_rejection,
    is_version_conflict,
    stops_the_run,
)
from adapter.sync.push.planner import Planned, units
from adapter.sync.push.ride import MarkerRide
from adapter.sync.push.settle import settle, uncertain
from adapter.sync.push.split import parts
from adapter.sync.resources import key_of, meta_version, reference_values

__all__ = ["CaseSender", "MergeNote", "Sent"]

log = logging.getLogger("adapter.sync.push")

NO_CHANGE = "SUCCESSFUL_UPDATE_NO_CHANGE"
MAX_CONFLICT_ROUNDS = 3


@dataclass(frozen=True)
class MergeNote:
    """A resource both sides changed: how it was merged (``merge.clean``) or why not."""

    key: ResourceKey
    local_version: str | None
    server_version: str | None
    merge: Merge


@dataclass
class Sent:
    """What became of a case's send: landed resources, failed ones (with why), merges, and
    ``split_by``: the refusal of the whole transaction that made it go in parts."""

    landed: list[SyncedResource] = field(default_factory=list)
    failed: list[tuple[ResourceKey, Failure]] = field(default_factory=list)
    merges: list[MergeNote] = field(default_factory=list)
    split_by: Failure | None = None

    def add(self, other: Sent) -> None:
        self.landed += other.landed
        self.failed += other.failed
        self.merges += other.merges
        self.split_by = self.split_by or other.split_by


class CaseSender:
    """Sends the planned resources of one case to one server."""

    def __init__(self, client: FHIRClient, ride: MarkerRide | None = None) -> None:
        self.client = client
        self.ride = ride
        self._present: set[ResourceKey] = set()  # on the server before: a failure blocks none

    async def send(self, planned: Sequence[Planned]) -> Sent:
        """One transaction, or with a transaction cap (``client.max_transaction_entries``)
        several in dependency order, each atomic; a part that fails fails its own resources
        and blocks the parts that reference them, the others still go."""
        sent = Sent()
        pending: list[Planned] = []
        for item in planned:
            rebased = await self._rebased(item, sent) if item.rebase else item
            pending += [rebased] if rebased is not None else []
        self._present = {p.key for p in pending if p.if_match is not None}
        split = parts(pending, self.client.max_transaction_entries)
        if len(split) == 1:
            await self._send_part(split[0], sent)
            return sent
        for part in split:
            for kept in _unblocked([part], self._missing(sent), sent):
                try:
                    await self._send_part(kept, sent)
                except AdapterError as exc:
                    if stops_the_run(exc):
                        raise
                    sent.failed += [(p.key, _about(p, classify(exc))) for p in kept]
        # a cycle's hub lands twice (stub, then whole): the ledger keeps the last landing
        sent.landed = list({(r.resource_type, r.resource_id): r for r in sent.landed}.values())
        return sent

    async def _send_part(self, pending: list[Planned], sent: Sent) -> None:
        for _ in range(MAX_CONFLICT_ROUNDS):
            if not pending:
                return
            try:
                sent.landed += await self._transaction(pending)
                return
            except AdapterError as exc:
                if stops_the_run(exc):
                    raise
                settled = await self._settled(exc, pending, sent)
                pending = settled if settled is not None else pending
                if not is_version_conflict(exc):
                    if is_entry_rejection(exc) and len(pending) > 1:
                        sent.add(await self._bisect(pending))
                        sent.split_by = classify(exc)
                        return
                    if settled is None:
                        raise
                    sent.failed += [(p.key, _about(p, classify(exc))) for p in pending]
                    return
            if settled is None:  # settled ones carry the version read back already
                pending = [m for p in pending if (m := await self._refreshed(p, sent)) is not None]
        failure = Failure(ReasonCode.CONFLICT, "VersionConflict", "kept changing while merging")
        sent.failed += [(p.key, failure) for p in pending]

    async def _transaction(self, planned: Sequence[Planned]) -> list[SyncedResource]:
        entries = [p.entry() for p in planned]
        ride = self.ride  # the run's marker, when this may be its only write
        marker = ride.board(len(entries), self.client.max_transaction_entries) if ride else None
        bundle = {"resourceType": "Bundle", "type": "transaction"}
        try:
            answer = await self.client.transaction(
                {**bundle, "entry": entries + ([marker] if marker else [])}
            )
        except BaseException:
            if ride is not None and marker is not None:
                ride.missed()
            raise
        results = answer.entries
        if ride is not None and marker is not None:
            await ride.arrived(results[-1])
            results = results[:-1]
        return [_synced(p, result) for p, result in zip(planned, results, strict=True)]

    # -- conflicts ------------------------------------------------------------------------------

    async def _rebased(self, planned: Planned, sent: Sent) -> Planned | None:
        """Our changes applied onto the server's copy, which differs from our last mapping."""
        return await self._merged(planned, sent, always=True)

    async def _refreshed(self, planned: Planned, sent: Sent) -> Planned | None:
        """After a version conflict: merged with the server's current copy if it moved on."""
        return await self._merged(planned, sent, always=False)

    async def _merged(
        self, planned: Planned, sent: Sent, *, always: bool, current: dict[str, Any] | None = None
    ) -> Planned | None:
        if planned.if_match is None:
            return planned
        try:
            current = current or await self.client.read(*planned.key)
        except ResourceNotFound:  # gone from the server: write it afresh
            return planned.with_body(planned.body, None)
        version = meta_version(current)
        if version == planned.if_match and not always:
            return planned
        base = current if version == planned.if_match else await self._vread(planned)
        merge = three_way(
            ours=planned.body,
            theirs=current,
            ours_base=planned.base,
            theirs_base=base,
            restore=planned.restore,
        )
        if version != planned.if_match or merge.conflicts:
            sent.merges.append(MergeNote(planned.key, planned.if_match, version, merge))
        if not merge.clean:
            failure = Failure(
                ReasonCode.CONFLICT,
                "VersionConflict",
                f"{planned.key[0]}/{planned.key[1]} changed on both sides: "
                + ", ".join(merge.conflicts),
            )
            sent.failed.append((planned.key, failure))
            return None
        return planned.with_body(merge.body, version)

    async def _vread(self, planned: Planned) -> dict[str, Any] | None:
        assert planned.if_match is not None
        try:
            return await self.client.vread(*planned.key, planned.if_match)
        except FHIRStatusError:  # history not kept: the merge falls back to our last mapping
            return None

    # -- uncertain outcomes ---------------------------------------------------------------------

    async def _settled(
        self, exc: AdapterError, pending: list[Planned], sent: Sent
    ) -> list[Planned] | None:
        """After a failed transaction that may have left part behind: what the read-back proved
        landed goes into ``sent``; the rest, to send again (merged onto someone else's version
        where there is one). None when nothing can have landed, or the read-back failed (then
        nothing is proved and the failure stands)."""
        # one entry is all or nothing on any server
        if not uncertain(exc, atomic=self.client.atomic_transactions or len(pending) == 1):
            return None
        try:
            found = await settle(self.client, pending)
        except AdapterError as err:
            if stops_the_run(err):
                raise
            log.warning("read-back after a failed transaction failed too: %s", type(err).__name__)
            return None
        if found.landed:
            log.info("%d of %d resources of a failed transaction had landed", len(found.landed),
                     len(pending))  # fmt: skip
        sent.landed += found.landed
        self._present |= {ResourceKey(r.resource_type, r.resource_id) for r in found.landed}
        again: list[Planned] = []
        for item, current in found.again:
            merged: Planned | None = item
            if current is not None:  # someone else's version: ours merged onto it
                merged = await self._merged(item, sent, always=False, current=current)
            again += [merged] if merged is not None else []
        return again

    def _missing(self, sent: Sent) -> set[ResourceKey]:
        """Failed resources the server does not hold at all: what references them is blocked."""
        return {key for key, _ in sent.failed if key not in self._present}

    # -- bisection ------------------------------------------------------------------------------

    async def _bisect(self, planned: Sequence[Planned]) -> Sent:
        present = [p.key for p in planned if p.if_match is not None]
        return await self._land(units(planned, present))

    async def _land(self, groups: list[list[Planned]]) -> Sent:
        flat = [p for group in groups for p in group]
        sent = Sent()
        try:
            return Sent(landed=await self._transaction(flat))
        except AdapterError as exc:
            if stops_the_run(exc):
                raise
            failure = classify(exc)
            settled = await self._settled(exc, flat, sent)
            if settled is not None:  # what landed is out; the rest keeps its groups
                again = {p.key: p for p in settled}
                groups = [
                    g for g in ([again[p.key] for p in gr if p.key in again] for gr in groups) if g
                ]
                flat = settled
            if not is_entry_rejection(exc) or len(groups) <= 1:
                sent.failed += [(p.key, _about(p, failure)) for p in flat]
                return sent
        half = len(groups) // 2
        sent.add(await self._land(groups[:half]))
        rest = _unblocked(groups[half:], self._missing(sent), sent)
        sent.add(await self._land(rest) if rest else Sent())
        return sent


def _unblocked(
    groups: list[list[Planned]], failed: set[ResourceKey], sent: Sent
) -> list[list[Planned]]:
    """Groups not referencing a failed resource; the others fail as blocked, without a try."""
    kept: list[list[Planned]] = []
    for group in groups:
        refs = {ref for p in group for ref in reference_values(p.body)}
        blocker = next((k for k in failed if f"{k[0]}/{k[1]}" in refs), None)
        if blocker is None:
            kept.append(group)
            continue
        failure = Failure(
            ReasonCode.DANGLING_REFERENCE,
            "Blocked",
            f"references {blocker[0]}/{blocker[1]}, which did not land",
        )
        sent.failed += [(p.key, _about(p, failure)) for p in group]
        failed.update(p.key for p in group)
    return kept


def _about(planned: Planned, failure: Failure) -> Failure:
    return failure.about(f"{planned.key[0]}/{planned.key[1]}")


def _synced(planned: Planned, result: EntryResult) -> SyncedResource:
    return SyncedResource(
        *key_of(planned.body),
        result.version_id,
        planned.content_hash,
        changed=result.storage_code != NO_CHANGE,
        internal_key=planned.internal_key,
    )

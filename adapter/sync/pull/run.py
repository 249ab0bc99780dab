"""Pull: what changed on the FHIR server since the watermark, applied to the stored cases.

One run: read ``_history`` from ``watermark - overlap`` (:mod:`adapter.sync.pull.history`; the
first pull reads this installation's resources by their namespace tag instead), keep the
newest version of each resource, drop the versions the ledger already holds (our own writes
echoing back, or changes an earlier pull applied), assign the rest to cases, merge them into
each stored case by field ownership (:mod:`adapter.sync.pull.inbound`), store the case and the
server's versions and hashes (so the next push does not send them back), keep the changes a
person must settle as conflicts (warnings, e.g. a resource new on the server, are only
reported), and only then move the watermark to the server's time of the read.

A case that cannot be updated (its stored document is no longer valid, say) is dead-lettered
and the run goes on; the watermark still moves, so ``adapter pull --since`` replays a window.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from pydantic import ValidationError

from adapter.errors import AdapterError
from adapter.fhir import FHIRClient
from adapter.mappings.resources.gravity import is_abort
from adapter.mappings.structure import structure_errors
from adapter.model.case import Case
from adapter.sync.feed import Origin, feed_changes
from adapter.sync.ledger import Ledger
from adapter.sync.ledger.owner import ended_by
from adapter.sync.ledger.records import Entry, NewConflict, ResourceKey
from adapter.sync.ledger.schema import ReasonCode, RunKind
from adapter.sync.pull.changes import Change, fresh, query_since, suspects
from adapter.sync.pull.first_read import read_first
from adapter.sync.pull.inbound import apply_changes, apply_suspects
from adapter.sync.pull.report import CaseFailure, PullReport
from adapter.sync.pull.strategies import AUTO, read_changes
from adapter.sync.referrals.task_pull import referral_answers
from adapter.sync.resources import references
from adapter.sync.server_ids import with_server_ids
from adapter.sync.taking import server_elements
from adapter.sync.type_selection import Selection, selection_for

__all__ = ["DEFAULT_OVERLAP", "PULL_STREAM", "CaseFailure", "PullReport", "pull_changes"]

log = logging.getLogger("adapter.sync.pull")

PULL_STREAM: Final = "pull"
DEFAULT_OVERLAP: Final = timedelta(minutes=5)
#: A change to one of these, from a resource we do not know, ties that resource to its case.
_CASE_ANCHORS: Final = frozenset({"EpisodeOfCare", "CarePlan", "Goal", "Task"})


async def pull_changes(
    client: FHIRClient,
    ledger: Ledger,
    *,
    since: datetime | None = None,
    overlap: timedelta = DEFAULT_OVERLAP,
    namespace: str | None = None,
    on_run: Callable[[int], None] | None = None,
    strategy: str = AUTO,
    referral_tasks: FHIRClient | None = None,
) -> PullReport:
    """Pull the server's changes into the case store (see the module docstring).

    ``since`` overrides the stored watermark (and its overlap) for this run, e.g. to replay a
    window; the watermark never moves backwards. ``on_run`` is told of the ledger run's id as
    soon as it is opened. ``strategy`` is how changes are read (:mod:`.strategies`).
    ``referral_tasks``: the performer's server the referral Tasks live on
    (ADAPTER_REFERRAL_TASK_SERVER): their answers and the cancellations' are read there.
    """
    server = client.base.url
    client = await with_server_ids(client, ledger)  # the server's ids read as ours
    run = await asyncio.to_thread(ledger.start_run, RunKind.PULL, server)
    if on_run is not None:
        on_run(run.id)
    stored_mark = await asyncio.to_thread(ledger.watermark, server, PULL_STREAM)
    start = since if since is not None else query_since(stored_mark, overlap)
    report = PullReport(server=server, run_id=run.id, since=start, watermark=stored_mark)
    try:
        report.aborts, report.referral_tasks = await referral_answers(
            client, ledger, referral_tasks, namespace=namespace
        )
        if start is None:  # the first pull: only what is ours
            batch, report.first_read = await read_first(
                client, ledger, namespace=namespace, strategy=strategy
            )
        else:
            batch = await read_changes(client, since=start, namespace=namespace, strategy=strategy)
        report.entries_read, report.strategy = batch.entries_read, batch.strategy
        report.refused = list(batch.refused)
        changes = _valid(batch.changes, report)
        known = await asyncio.to_thread(ledger.known, server, [c.key for c in changes])
        news = fresh(changes, known)
        doubtful = suspects(changes, known)
        report.changed_resources, report.already_known = len(news), len(changes) - len(news)
        by_case = await _assign(ledger, server, [*news, *doubtful], known, report)
        # compared with the case as a push shapes it for this server (types it does not take)
        selection = await asyncio.to_thread(selection_for, client.resource_types, ledger, server)
        if referral_tasks is not None:  # the referral Tasks live on the performer's server
            selection = dataclasses.replace(
                selection, referrals_elsewhere=str(referral_tasks.base.url)
            )
        doubted = frozenset(c.key for c in doubtful)
        context = _Context(ledger, run.id, server, known, doubted, selection)
        for case_id, changes in sorted(by_case.items()):
            await asyncio.to_thread(_pull_case, context, case_id, changes, namespace, report)
        if report.rewound:
            report.changed_resources += len(report.rewound)
            report.already_known -= len(report.rewound)
            log.warning(
                "%d resources on %s are at or below the version the ledger holds but say "
                "something else: the server went back in time; run `adapter verify`",
                len(report.rewound), server,
            )  # fmt: skip
        if batch.server_time is not None and (
            stored_mark is None or batch.server_time > stored_mark
        ):
            await asyncio.to_thread(ledger.set_watermark, server, PULL_STREAM, batch.server_time)
            report.watermark = batch.server_time
    except BaseException as exc:
        await asyncio.to_thread(ledger.finish_run, run.id, ended_by(exc), summary=report.summary())
        raise
    await asyncio.to_thread(ledger.finish_run, run.id, summary=report.summary())
    report.cursor = await asyncio.to_thread(ledger.feed_cursor)
    return report


def _valid(changes: Sequence[Change], report: PullReport) -> list[Change]:
    """The changes whose resource is valid FHIR (deletes carry none); the others are named in
    ``report.invalid`` and not applied: one bad resource never stops the pull."""
    kept = []
    for change in changes:
        error = structure_errors(change.resource) if change.resource is not None else None
        if error is None:
            kept.append(change)
        else:
            report.invalid.append(str(error))
    return kept


async def _assign(
    ledger: Ledger,
    server: str,
    changes: Sequence[Change],
    known: Mapping[ResourceKey, Entry],
    report: PullReport,
) -> dict[str, list[Change]]:
    """Case id -> its changes: by the ledger's entry, else by a reference to a known anchor
    (the episode extension, ``basedOn`` a known CarePlan ...). Others are counted unmatched."""
    by_case: dict[str, list[Change]] = {}
    strangers: list[tuple[Change, list[ResourceKey]]] = []
    for change in changes:
        entry = known.get(change.key)
        if entry is not None:
            by_case.setdefault(entry.case_id, []).append(change)
            continue
        if is_abort(change.resource or {}):
            continue  # a cancellation Task: not a record of the case (settle_aborts reads ours)
        anchors = [
            ResourceKey(*key.split("/", 1))
            for key in references(change.resource or {})
            if key.split("/", 1)[0] in _CASE_ANCHORS
        ]
        strangers.append((change, anchors))
    wanted = [key for _, anchors in strangers for key in anchors]
    anchors_known = await asyncio.to_thread(ledger.known, server, wanted) if wanted else {}
    for change, anchors in strangers:
        owners = {anchors_known[a].case_id for a in anchors if a in anchors_known}
        if len(owners) == 1:
            by_case.setdefault(owners.pop(), []).append(change)
        else:
            report.unmatched += 1
    return by_case


@dataclass(frozen=True, slots=True)
class _Context:
    ledger: Ledger
    run_id: int
    server: str
    known: Mapping[ResourceKey, Entry]
    doubtful: frozenset[ResourceKey]
    selection: Selection


def _pull_case(
    context: _Context,
    case_id: str,
    changes: list[Change],
    namespace: str | None,
    report: PullReport,
) -> None:
    ledger, run_id, server, known = context.ledger, context.run_id, context.server, context.known
    stored = ledger.get_case(case_id)
    if stored is None or stored.document is None:
        report.not_stored.append(case_id)
        return
    try:
        case = Case.model_validate(stored.document)
        snapshot = ledger.pushed_snapshot(server, case_id)
        base = Case.model_validate(snapshot) if snapshot is not None else None
        news = [c for c in changes if c.key not in context.doubtful]
        selection = context.selection
        update = apply_changes(case, news, base=base, namespace=namespace, selection=selection)
        doubtful = [c for c in changes if c.key in context.doubtful]
        real = apply_suspects(update, doubtful, base=base, namespace=namespace, selection=selection)
        report.rewound += real
    except (AdapterError, ValidationError) as exc:
        reason = f"cannot apply the server's changes: {type(exc).__name__}"
        report.failures.append(CaseFailure(case_id, reason))
        ledger.record_failure(
            run_id, server, case_id, reason=ReasonCode.INVALID_INPUT,
            error_class=type(exc).__name__, message=reason,
        )  # fmt: skip
        return
    if not news and not real:  # only pulled versions the server spells otherwise: known
        return
    bodies = {change.key: change.resource for change in changes}
    conflicts = [
        NewConflict(
            dispute.resource,
            entry.version_id if (entry := known.get(dispute.resource)) else None,
            dispute.version_id,
            dispute.fields,
            {
                "kind": dispute.kind,
                "message": dispute.message,
                "server": server_elements(bodies.get(dispute.resource), dispute.fields),
            },
        )
        for dispute in update.conflicts
    ]
    document = update.after.model_dump(mode="json", exclude_defaults=True)
    feed = feed_changes(case_id, update.steps, Origin.PULL) if update.changed else []
    ledger.record_pulled(
        run_id, server, case_id, document=document if update.changed else None,
        results=update.synced, conflicts=conflicts, feed=feed,
    )  # fmt: skip
    report.updates.append(update)
    report.feed += feed

"""Turning what a case's send achieved into ledger rows, after the server has committed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from adapter.fhir.outcome import joined
from adapter.model.case import Case
from adapter.sync.feed import FeedChange, Origin, feed_changes
from adapter.sync.ledger import Ledger, ResourceKey
from adapter.sync.push.outcomes import CaseOutcome, CaseStatus
from adapter.sync.push.planner import CasePlan
from adapter.sync.push.sender import Sent
from adapter.sync.taking import Taken, server_elements, take_performer_elements

__all__ = ["StoredUpdate", "record_sent", "taken_from_server"]

#: The case document the store keeps after a push, and where it came from.
StoredUpdate = tuple[Mapping[str, Any], str]


def taken_from_server(case: Case, sent: Sent, *, namespace: str | None) -> Taken | None:
    """The accepted ``case`` with the performer-owned elements a merge took from the server
    and wrote (a provider's completion merged with the case manager's rewording); None when
    no merge that landed took any."""
    landed = {(r[0], r[1]) for r in sent.landed}
    server: dict[ResourceKey, tuple[Mapping[str, Any], Sequence[str]]] = {}
    overruled = set()
    for note in sent.merges:  # the last merge of a resource is the one written
        if note.merge.clean and note.key in landed:
            server[note.key] = (
                note.merge.body,
                (*note.merge.kept_from_server, *note.merge.server_won),
            )
            if note.key[0] == "Task" and "status" in note.merge.server_won:
                overruled.add(note.key)  # both moved the status; the value rule chose theirs
    if not server:
        return None
    taken = take_performer_elements(case, server, namespace=namespace, overruled=overruled)
    return taken if taken.changes or taken.refused else None


_MAX_MESSAGE = 2000


def _feed(case_id: str, taken: Taken, sent: Sent) -> list[FeedChange]:
    """The change feed's rows for what a merge took in, each naming the version written."""
    versions = {(r.resource_type, r.resource_id): r.version_id for r in sent.landed}
    steps = [(key, versions.get(key), before, after) for key, before, after in taken.steps]
    return feed_changes(case_id, steps, Origin.PUSH_MERGE)


def record_sent(
    ledger: Ledger,
    run_id: int,
    server: str,
    plan: CasePlan,
    sent: Sent,
    snapshot: Mapping[str, Any] | None,
    mapping: str | None = None,
    taken: Taken | None = None,
    source: str | None = None,
) -> CaseOutcome:
    """Record landed resources, merges, conflicts and failures of one case; say how it went.

    ``snapshot`` is the case as the server now holds it, the base of later merges: the case as
    pushed when everything landed, after a partial push the blend of
    :func:`adapter.sync.push.snapshot.landed_snapshot` (None keeps the previous snapshot). It must
    never claim more than the server holds. ``mapping`` (the mapping fingerprint) when
    ``snapshot`` is the input document exactly as mapped: see ``Ledger.record_success``.
    ``taken`` (:func:`taken_from_server`): the server's elements the merges wrote, stored into
    the case (read from ``source``) in the same transaction; what could not be taken is kept
    as an open conflict.
    """
    landed = {note.key for note in sent.merges} & {(r[0], r[1]) for r in sent.landed}
    for note in sent.merges:
        if note.merge.clean and note.key not in landed:
            continue  # merged but never written (the transaction failed later): nothing happened
        ledger.record_merge(
            run_id,
            server,
            plan.case_id,
            note.key,
            local_version=note.local_version,
            server_version=note.server_version,
            detail=note.merge.detail(),
            resolved=note.merge.clean,
            server_elements=None
            if note.merge.clean
            else server_elements(note.merge.body, note.merge.conflicts),
        )
    stored: StoredUpdate | None = None
    feed: list[FeedChange] = []
    if taken is not None:
        for refused in taken.refused:
            ledger.record_merge(
                run_id, server, plan.case_id, refused.resource, local_version=None,
                server_version=None, detail={"conflicts": list(refused.paths)}, resolved=False,
            )  # fmt: skip
        if taken.changes and source is not None:
            stored = (taken.after.model_dump(mode="json", exclude_none=True), source)
            feed = _feed(plan.case_id, taken, sent)
    results = [*plan.unchanged, *sent.landed]
    written = sum(1 for r in results if r.changed)
    counts: dict[str, Any] = {
        "written": written,
        "unchanged": len(results) - written,
        "merged": sum(1 for n in sent.merges if n.merge.clean and n.key in landed),
        "conflicts": sum(1 for n in sent.merges if not n.merge.clean)
        + (len(taken.refused) if taken is not None else 0),
        "taken": tuple(str(c) for c in taken.changes) if taken is not None else (),
        "restored": len(plan.restoring) if not sent.failed else 0,
    }
    if not sent.failed:
        ledger.record_success(
            run_id, server, plan.case_id, results, snapshot=snapshot, mapping=mapping,
            case=stored, resolved=plan.restoring, feed=feed,
        )  # fmt: skip
        status = CaseStatus.WRITTEN if written else CaseStatus.UNCHANGED
        return CaseOutcome(plan.case_id, status, **counts)
    first = sent.failed[0][1]
    message = "; ".join(dict.fromkeys(f.message for _, f in sent.failed))[:_MAX_MESSAGE]
    fields = {**first.ledger_fields(), "message": message}
    if sent.split_by is not None and sent.split_by.outcome != first.outcome:
        # The server's reason for refusing the whole transaction is worth as much as the
        # parts' failures (a transaction-size cap, say): explain shows both.
        refusal = sent.split_by
        fields["message"] = (
            f"{message}; sent in parts after the whole was refused: {refusal.message}"
        )
        fields["operation_outcome"] = joined(refusal.outcome, first.outcome)
    failed_keys = [key for key, _ in sent.failed]
    ledger.record_partial(
        run_id,
        server,
        plan.case_id,
        results,
        reason=first.reason,
        failed=failed_keys,
        failure=fields,
        snapshot=snapshot,
        case=stored,
        feed=feed,
    )
    return CaseOutcome(
        plan.case_id,
        CaseStatus.FAILED,
        failed=len(failed_keys),
        reason=first.reason,
        message=message,
        **counts,
    )

"""What a push does for one case before the network, on the ledger thread, as one step.

A case pushed in full as it is, with the same mapping, is unchanged at once; any other is
validated as the next version of the stored case (:mod:`adapter.sync.intake`), kept in the
case store, mapped and planned, and recorded here already when nothing needs sending.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import Any

from adapter.errors import AdapterError, InputError, MappingError
from adapter.mappings.bundle import case_to_resources
from adapter.model.case import Case
from adapter.model.validation import parse_case
from adapter.sync.intake import Checked, check_incoming, stored_version
from adapter.sync.ledger import PushContext
from adapter.sync.ledger.records import ResourceKey
from adapter.sync.push.planner import CasePlan, plan_case
from adapter.sync.push.provenance import map_case, with_write_provenance
from adapter.sync.push.sender import Sent
from adapter.sync.push.snapshot import landed_snapshot
from adapter.sync.push.state import CaseInput, PushRun
from adapter.sync.resources import key_of

__all__ = ["Held", "Prepared", "Unchanged", "examine", "landed_of"]

log = logging.getLogger("adapter.sync.push")


@dataclass(frozen=True)
class Unchanged:
    """Nothing to send. ``fast``: found without mapping (recorded in a batch, with the new
    source if the case moved); otherwise already recorded."""

    case_id: str
    total: int
    fast: bool = False
    moved_to: str | None = None
    kept: tuple[str, ...] = ()
    left_out: int = 0


@dataclass(frozen=True)
class Held:
    """Another worker holds the case's lease: set aside, nothing done."""

    case_id: str


@dataclass(frozen=True)
class Prepared:
    plan: CasePlan
    as_filed: bool  # the case kept is the input document itself (not rebased on the stored)
    case: Case  # the case kept in the store
    kept: tuple[str, ...] = ()  # stale fields of the input, kept as the store has them
    left_out: int = 0  # resources of types this server does not take


def examine(run: PushRun, item: CaseInput) -> Unchanged | Held | Prepared:
    """On the ledger thread: everything before the network, as one step. A case pushed in full
    as it is, with the same mapping, is unchanged at once; any other is validated, kept,
    mapped and planned, and recorded here already when nothing needs sending."""
    context = None
    if item.problem is None:
        context = run.ledger.push_context(run.server, item.case_id)
        stored = context.stored
        if stored is not None and context.unchanged(item.document, run.mapping):
            moved_to = item.source if item.source != stored.source else None
            return Unchanged(item.case_id, context.resources or 0, True, moved_to)
    if run.leases is not None:  # only now: an unchanged case costs no lease write
        if not run.leases.take(item.case_id):
            return Held(item.case_id)
        context = None  # read again under the lease: another worker may have pushed it since
    try:
        case = _parse(item)
        if context is None or case.id != item.case_id:
            context = run.ledger.push_context(run.server, case.id)
        prepared = _prepare(run, item, case, context)
    except InputError:
        run.ledger.put_case(item.case_id, None, source=item.source)
        raise
    plan = prepared.plan
    if plan.send:
        return prepared
    # Nothing to send: the server holds what this document maps to, so it is the snapshot
    # (when it is the input as it is, not rebased on the stored case).
    as_filed = prepared.as_filed and isinstance(item.document, dict)
    run.ledger.record_success(
        run.run_id,
        run.server,
        case.id,
        plan.unchanged,
        snapshot=item.document if as_filed else None,
        mapping=run.mapping if as_filed else None,
        resolved=plan.restoring,  # the server already holds the case manager's values
    )
    return Unchanged(case.id, plan.total, kept=prepared.kept, left_out=prepared.left_out)


def _parse(item: CaseInput) -> Case:
    """The case an input holds; an unreadable one is named after where it is."""
    try:
        if item.problem is not None:
            raise InputError(record=f"case {item.case_id}", field="(file)", reason=item.problem)
        return parse_case(item.document)
    except InputError as exc:
        if item.case_id in exc.record:
            raise
        # A record without a usable id is named after where it is (file and position).
        raise InputError(
            record=f"case {item.case_id}", field=exc.field, reason=exc.reason
        ) from None


def _prepare(run: PushRun, item: CaseInput, case: Case, context: PushContext) -> Prepared:
    """Validate ``case`` as the next version of the stored one (:mod:`adapter.sync.intake`),
    keep it in the case store, map it and plan what to send. An invalid case only notes its
    source; a case that cannot be mapped is still kept (``adapter dlq retry`` reads it back)."""
    checked = _check(case, context)
    document = item.document
    if checked.rebased:
        log.info("case %s: kept the stored %s (the input is behind)", case.id, checked.rebased)
        document = checked.case.model_dump(mode="json", exclude_none=True)
    sent = None if item.from_store or not isinstance(item.document, dict) else item.document
    try:
        mapped, plain = map_case(checked.case, run.namespace)
        resources, left = run.selection.apply(mapped)
    except MappingError:
        run.ledger.put_case(case.id, document, source=item.source)
        raise
    known = run.ledger.accept_case(
        run.server,
        case.id,
        document,
        source=item.source,
        resources=map(key_of, resources),
        sent=sent,
    )
    if run.on_accepted is not None:
        run.on_accepted(checked.case)
    previous = None
    if context.snapshot is not None:
        try:
            before, _ = run.selection.apply(
                case_to_resources(parse_case(context.snapshot), namespace=run.namespace)
            )
            previous = {key_of(r): r for r in before}
        except AdapterError:  # a snapshot from an older model: no base, ownership decides
            previous = None
    restore: dict[ResourceKey, frozenset[str]] = {}
    for dispute in context.disputes:
        restore[dispute.resource] = restore.get(dispute.resource, frozenset()) | set(dispute.fields)
    plan = plan_case(case.id, resources, known, previous, restore)
    plan = with_write_provenance(
        plan, checked.case, plain, namespace=run.namespace, left_out=run.selection.left_out
    )
    # A merge's conflict whose every element is written back now is settled by the same rule.
    settled = [m for m in context.merges if set(m.fields) <= restore.get(m.resource, set())]
    if context.disputes or settled:
        closing = (*context.disputes, *settled)
        plan = dataclasses.replace(plan, restoring=tuple(d.conflict_id for d in closing))
    return Prepared(
        plan,
        as_filed=not checked.rebased,
        case=checked.case,
        kept=checked.rebased,
        left_out=sum(left.values()),
    )


def _check(case: Case, context: PushContext) -> Checked:
    """Against the stored case; what the case-management system last sent (else the case as
    last pushed) tells its stale fields from its own changes."""
    found = context.stored
    stored = stored_version(found.document if found is not None else None)
    if stored is None or found is None:
        return Checked(case)
    return check_incoming(case, stored, stored_version(found.sent or context.snapshot))


def landed_of(
    run: PushRun, case_id: str, document: dict[str, Any], sent: Sent
) -> dict[str, Any] | None:
    previous = run.ledger.pushed_snapshot(run.server, case_id)
    failed = {key for key, _ in sent.failed}
    return landed_snapshot(document, previous, failed, namespace=run.namespace)

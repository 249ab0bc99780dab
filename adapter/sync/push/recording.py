"""Turning what a case's send achieved into ledger rows, after the server has committed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapter.fhir.outcome import joined
from adapter.sync.ledger import Ledger
from adapter.sync.push.outcomes import CaseOutcome, CaseStatus
from adapter.sync.push.planner import CasePlan
from adapter.sync.push.sender import Sent

__all__ = ["record_sent"]

_MAX_MESSAGE = 2000


def record_sent(
    ledger: Ledger,
    run_id: int,
    server: str,
    plan: CasePlan,
    sent: Sent,
    snapshot: Mapping[str, Any] | None,
    mapping: str | None = None,
) -> CaseOutcome:
    """Record landed resources, merges, conflicts and failures of one case; say how it went.

    ``snapshot`` is the case as the server now holds it, the base of later merges: the case as
    pushed when everything landed, after a partial push the blend of
    :func:`adapter.sync.push.snapshot.landed_snapshot` (None keeps the previous snapshot). It must
    never claim more than the server holds. ``mapping`` (the mapping fingerprint) when
    ``snapshot`` is the input document exactly as mapped: see ``Ledger.record_success``.
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
        )
    results = [*plan.unchanged, *sent.landed]
    written = sum(1 for r in results if r.changed)
    counts: dict[str, Any] = {
        "written": written,
        "unchanged": len(results) - written,
        "merged": sum(1 for n in sent.merges if n.merge.clean and n.key in landed),
        "conflicts": sum(1 for n in sent.merges if not n.merge.clean),
    }
    if not sent.failed:
        ledger.record_success(
            run_id, server, plan.case_id, results, snapshot=snapshot, mapping=mapping
        )
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
    )
    return CaseOutcome(
        plan.case_id,
        CaseStatus.FAILED,
        failed=len(failed_keys),
        reason=first.reason,
        message=message,
        **counts,
    )

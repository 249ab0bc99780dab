"""After a case landed on its own server: its referral Tasks on the performer's server
(``ADAPTER_REFERRAL_TASK_SERVER``; :mod:`adapter.sync.referrals.task_server`), their writes
counted with the case's and a Task left pending reported with it."""

from __future__ import annotations

import dataclasses

from adapter.sync.push.outcomes import CaseOutcome, CaseStatus
from adapter.sync.push.state import PushRun
from adapter.sync.referrals.task_server import write_referral_tasks

__all__ = ["with_referral_tasks"]


async def with_referral_tasks(run: PushRun, outcome: CaseOutcome) -> CaseOutcome:
    """After the case landed: its referral Tasks on the performer's server (a case found
    unchanged without mapping: only when a write of its Tasks failed before)."""
    if run.referral_tasks is None or outcome.status is CaseStatus.FAILED:
        return outcome
    wrote = await write_referral_tasks(
        run.referral_tasks, run.client, run.ledger, case_id=outcome.case_id,
        namespace=run.namespace, only_pending=outcome.case_id in run.fast_unchanged,
    )  # fmt: skip
    if not wrote.written and not wrote.pending:
        return outcome
    status = CaseStatus.WRITTEN if wrote.written else outcome.status
    return dataclasses.replace(
        outcome, status=status, written=outcome.written + wrote.written,
        referrals_pending=tuple(wrote.pending),
    )  # fmt: skip

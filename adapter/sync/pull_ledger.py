"""What a pull writes to the ledger for one case: the server's versions and hashes, one story line.

Like ``Ledger.record_success`` minus what only a push may do: a pull never resolves the case's
dead letter (a failed push stays failed until a push succeeds) and never stores a push snapshot.
"""

from __future__ import annotations

from collections.abc import Sequence

from adapter.sync.ledger import Ledger
from adapter.sync.ledger_records import SyncedResource
from adapter.sync.ledger_schema import AttemptOutcome
from adapter.sync.ledger_writes import CaseWriter, describe

__all__ = ["record_pulled"]


def record_pulled(
    ledger: Ledger,
    run_id: int,
    server: str,
    case_id: str,
    results: Sequence[SyncedResource],
    *,
    applied: bool,
    disputed: bool,
) -> None:
    """Store the versions read for ``case_id``, an attempt row and the run's counts, at once.

    ``applied``: the stored case changed; ``disputed``: some server changes were not applied.
    """
    outcome = (
        AttemptOutcome.CONFLICT
        if disputed
        else AttemptOutcome.WRITTEN
        if applied
        else AttemptOutcome.UNCHANGED
    )
    changed = sum(1 for result in results if result.changed)
    # One short write transaction, as every ledger write (the ledger's own plumbing).
    with ledger._write("record_pulled") as conn:
        case = CaseWriter(conn, run_id, server, case_id, ledger._now())
        case.store_entries(results)
        case.add_attempt(outcome, resources=[describe(result) for result in results])
        case.count(
            cases_ok=1, resources_written=changed, resources_unchanged=len(results) - changed
        )

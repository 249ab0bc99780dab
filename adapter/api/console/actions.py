"""What the console's buttons do: retry a dead letter, settle a conflict.

Both end in the service's own background push of one case (:func:`adapter.api.runner.start_push`,
as ``POST /sync`` runs it): the push closes a dead letter when its case lands, and sends what a
conflict's resolution decided.
"""

from __future__ import annotations

from typing import Literal

from fastapi import HTTPException

from adapter.api.background import RunInProgress
from adapter.api.runner import start_push
from adapter.api.state import AppState
from adapter.errors import FHIRError
from adapter.sync.ledger import Conflict, Ledger
from adapter.sync.ledger.cases import CM_OWNED_DISPUTE

__all__ = ["CannotResolve", "Take", "find_conflict", "push_case", "resolve_conflict"]

Take = Literal["server", "local"]


class CannotResolve(Exception):
    """This build cannot settle the conflict that way (the page answers 501)."""


def resolve_conflict(ledger: Ledger, conflict_id: int, take: Take) -> Conflict:
    """Settle one open conflict: ``local`` keeps the case manager's value, ``server`` takes
    the server's into the stored case; the push that follows sends the result.

    The console's one door to conflict resolution. Until ``adapter.sync.conflicts`` (its
    ``resolve_conflict(ledger, conflict_id, take=...)``, same signature) is on this branch, only
    what the ledger does today is offered: a case-management element a pull found changed on
    the server is written back, and its conflict closed, by the next push of the case, so
    ``local`` has nothing to record first. Anything else raises :class:`CannotResolve`.
    """
    conflict = find_conflict(ledger, conflict_id)
    if conflict is None:
        raise LookupError(f"no conflict {conflict_id} in the ledger")
    if conflict.resolved_at is not None:
        return conflict
    kind = (conflict.detail or {}).get("kind")
    if take == "local" and kind == CM_OWNED_DISPUTE:
        return conflict
    raise CannotResolve(
        f"taking the {take} side of a {kind or 'merge'} conflict needs "
        "adapter.sync.conflicts.resolve_conflict, which this build does not have"
    )


async def push_case(state: AppState, case_id: str) -> int | str:
    """Push one stored case in the background: the run's id, or why it did not start."""
    try:
        return await start_push(state, [case_id])
    except RunInProgress as exc:
        return str(exc)
    except HTTPException as exc:  # 404: no valid version of the case is stored
        return str(exc.detail)
    except FHIRError as exc:
        return f"the FHIR server did not answer ({type(exc).__name__}); nothing was started"


def find_conflict(ledger: Ledger, conflict_id: int) -> Conflict | None:
    """One conflict, open or closed (the ledger reads them in lists)."""
    return next((c for c in ledger.conflicts(open_only=False) if c.id == conflict_id), None)

"""What the console's buttons do: retry a dead letter, settle a conflict.

Settling is :func:`adapter.sync.conflicts.resolve_conflict`, as ``adapter conflicts resolve``
and ``POST /conflicts/{id}/resolve`` do it. Both buttons end in the service's own background
push of one case (:func:`adapter.api.runner.start_push`, as ``POST /sync`` runs it): the push
closes a dead letter when its case lands, and sends what a conflict's resolution decided.
"""

from __future__ import annotations

from typing import Literal

from fastapi import HTTPException

from adapter.api.background import RunInProgress
from adapter.api.runner import start_push
from adapter.api.state import AppState
from adapter.errors import FHIRError
from adapter.sync.ledger import Conflict, Ledger

__all__ = ["Take", "find_conflict", "push_case"]

Take = Literal["server", "local"]


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
    """One conflict, open or closed."""
    return ledger.conflict(conflict_id)

"""adapter.sync.conflicts without a server: what cannot be settled is refused, and nothing
changes; taking the local side marks the resource to be sent (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from adapter.errors import ConflictError, ConflictNotFound
from adapter.sync.conflicts import list_conflicts, resolve_conflict, show_conflict
from adapter.sync.ledger import Ledger, SyncedResource
from adapter.sync.ledger.letters import RESEND_HASH
from tests.support.ledger import SERVER


def _conflict(ledger: Ledger, run_id: int, detail: dict[str, object]) -> int:
    ledger.record_pulled(
        run_id, SERVER, "C-1", document={"id": "C-1"},
        results=[SyncedResource("Task", "t1", "2", "server-hash", False)],
    )  # fmt: skip
    return ledger.record_conflict(
        SERVER, "C-1", ("Task", "t1"), local_version="1", server_version="2",
        fields=["description"], detail=detail, run_id=run_id,
    ).id  # fmt: skip


def test_unknown_and_settled_conflicts_are_refused(ledger: Ledger, run_id: int):
    with pytest.raises(ConflictNotFound):
        show_conflict(ledger, 404)
    with pytest.raises(ConflictNotFound):
        resolve_conflict(ledger, 404, "local")
    ident = _conflict(ledger, run_id, {"kind": "case-management-owned", "message": "m"})
    [view] = list_conflicts(ledger)
    assert (view.id, view.kind, view.fields, view.open) == (
        ident, "case-management-owned", ("description",), True,
    )  # fmt: skip

    done = resolve_conflict(ledger, ident, "local")

    assert (done.conflict.resolution, done.conflict.open, done.changes) == (
        "local-pending",
        False,
        (),
    )
    [entry] = ledger.known(SERVER, [("Task", "t1")]).values()
    assert entry.content_hash == RESEND_HASH  # the next push sends it
    assert list_conflicts(ledger) == []
    with pytest.raises(ConflictError, match="resolved already"):
        resolve_conflict(ledger, ident, "server")


def test_a_conflict_without_the_servers_values_cannot_be_taken_for_the_server(
    ledger: Ledger, run_id: int
):
    # Recorded before migration 0005 (or a delete): no server elements were kept.
    ident = _conflict(ledger, run_id, {"kind": "case-management-owned", "message": "m"})
    assert show_conflict(ledger, ident).server_side_kept is False

    with pytest.raises(ConflictError, match="not kept"):
        resolve_conflict(ledger, ident, "server")

    assert show_conflict(ledger, ident).open
    assert ledger.changes_since(0) == []

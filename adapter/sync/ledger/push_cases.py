"""The ledger calls of the push hot path, each one transaction for a whole step of a case.

A push asks three things of the ledger per case: what it knows of the case (:meth:`PushStore.
push_context`, one read), to keep the accepted document and say what it knows of the case's
resources (:meth:`PushStore.accept_case`, one write) and, once the server committed, what
landed (``record_success``). A case that cannot have changed (its document is the snapshot
last pushed in full, with the same mapping) skips the middle and is recorded in batches
(:meth:`PushStore.record_unchanged`): a no-op re-sync costs one read per case.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from adapter.sync.ledger.cases import CaseStore, StoredCase, store_case
from adapter.sync.ledger.records import Entry, ResourceKey, from_row
from adapter.sync.ledger.schema import (
    AttemptOutcome,
)
from adapter.sync.ledger.statements import (
    ADD_ATTEMPT,
    CASE_ROW,
    COUNT_RUN,
    DEAD_LETTER_OPEN,
    ENTRIES,
    MOVE_CASE,
    SNAPSHOT_ROW,
)
from adapter.sync.ledger.writes import entry_params

__all__ = ["PushContext", "PushStore", "known_entries"]

_CHUNK = 500  # keys per IN (...) query, well under every driver's parameter limit


@dataclass(frozen=True, slots=True)
class PushContext:
    """What the ledger holds about one case before it is pushed to one server."""

    stored: StoredCase | None
    snapshot: dict[str, Any] | None
    mapping: str | None
    resources: int | None
    dead_letter_open: bool

    def unchanged(self, document: object, mapping: str) -> bool:
        """``document`` would send nothing: it is the accepted case, pushed in full with this
        ``mapping``, and nothing failed since (wherever it was read from this time)."""
        stored = self.stored
        return (
            stored is not None
            and self.mapping == mapping
            and self.resources is not None
            and not self.dead_letter_open
            and isinstance(document, dict)
            and stored.document == document
            and self.snapshot == document
        )


def known_entries(
    conn: Connection, server: str, resources: Iterable[tuple[str, str]]
) -> dict[ResourceKey, Entry]:
    """The entries of ``resources`` ((type, id) pairs) on ``server``; unknown ones absent."""
    keys = list(dict.fromkeys(ResourceKey(*key) for key in resources))
    wanted = set(keys)
    found: dict[ResourceKey, Entry] = {}
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        for row in conn.execute(ENTRIES, entry_params(server, chunk)):
            entry = from_row(Entry, row)
            if entry.key in wanted:
                found[entry.key] = entry
    return found


class PushStore(CaseStore):
    """Push-path operations; :class:`adapter.sync.ledger.Ledger` inherits them."""

    def push_context(self, server: str, case_id: str) -> PushContext:
        """The stored case, its snapshot on ``server`` and whether a dead letter is open."""
        params = {"p_server": server, "p_case": case_id}
        with self._read("push_context") as conn:
            row = conn.execute(CASE_ROW, params).one_or_none()
            pushed = conn.execute(SNAPSHOT_ROW, params).one_or_none()
            letter_open = conn.execute(DEAD_LETTER_OPEN, params).first() is not None
        return PushContext(
            stored=None if row is None else StoredCase(*row),
            snapshot=None if pushed is None else pushed.document,
            mapping=None if pushed is None else pushed.mapping,
            resources=None if pushed is None else pushed.resources,
            dead_letter_open=letter_open,
        )

    def accept_case(
        self,
        server: str,
        case_id: str,
        document: Mapping[str, Any],
        *,
        source: str,
        resources: Iterable[tuple[str, str]],
    ) -> dict[ResourceKey, Entry]:
        """Keep ``document`` as the accepted case and return what the ledger knows of its
        ``resources`` on ``server``, in one transaction."""
        with self._write("accept_case") as conn:
            store_case(conn, case_id, document, source=source, now=self._now())
            return known_entries(conn, server, resources)

    def record_unchanged(
        self, run_id: int, server: str, counts: Sequence[tuple[str, int, str | None]]
    ) -> None:
        """Cases (id, resources, new source or None) found unchanged without mapping them: an
        attempt row each, where each was read from this time, and the run's counters, in one
        transaction. Their entries and snapshots stay as they are."""
        if not counts:
            return
        now = self._now()
        rows = [
            {
                "run_id": run_id,
                "server_url": server,
                "case_id": case_id,
                "at": now,
                "outcome": AttemptOutcome.UNCHANGED,
            }
            for case_id, _, _ in counts
        ]
        moved = [
            {"p_case": case_id, "p_source": source, "p_now": now}
            for case_id, _, source in counts
            if source is not None
        ]
        with self._write("record_unchanged") as conn:
            conn.execute(ADD_ATTEMPT, rows)
            if moved:
                conn.execute(MOVE_CASE, moved)
            conn.execute(
                COUNT_RUN,
                {
                    "p_run": run_id,
                    "p_now": now,
                    "p_cases_ok": len(counts),
                    "p_cases_failed": 0,
                    "p_resources_written": 0,
                    "p_resources_unchanged": sum(total for _, total, _ in counts),
                },
            )

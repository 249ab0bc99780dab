"""Claims: what the ledger says each server holds, read for planning and verifying, dropped
when the server lost it, adopted when the server already holds it.

The ledger's entries are claims, not facts: a server may be reset, restored from an older
backup or purged behind the adapter's back. ``adapter verify`` reads them back
(:mod:`adapter.sync.push.verify`); what is missing is forgotten here, so the next push sends it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import delete, select, tuple_, update

from adapter.sync.ledger.base import LedgerBase
from adapter.sync.ledger.cases import known_entries
from adapter.sync.ledger.records import Entry, ResourceKey, SyncedResource, from_row
from adapter.sync.ledger.schema import case_snapshots, entries
from adapter.sync.ledger.writes import CaseWriter

__all__ = ["Claims"]


class Claims(LedgerBase):
    """Entries as claims about a server: read, forgotten, adopted."""

    def known(self, server: str, resources: Iterable[tuple[str, str]]) -> dict[ResourceKey, Entry]:
        """The entries of ``resources`` ((type, id) pairs) on ``server``; unknown ones absent."""
        with self._read("known") as conn:
            return known_entries(conn, server, resources)

    def claimed(self, server: str, case_ids: Sequence[str] | None = None) -> list[Entry]:
        """Every resource the ledger says ``server`` holds (landed at least once), by case and
        key; only those of ``case_ids`` when given."""
        query = (
            select(entries)
            .where(entries.c.server_url == server, entries.c.version_id.is_not(None))
            .order_by(entries.c.case_id, entries.c.resource_type, entries.c.resource_id)
        )
        found: list[Entry] = []
        with self._read("claimed") as conn:
            if case_ids is None:
                return [from_row(Entry, row) for row in conn.execute(query)]
            ids = list(dict.fromkeys(case_ids))
            for start in range(0, len(ids), 500):
                chunk = query.where(entries.c.case_id.in_(ids[start : start + 500]))
                found.extend(from_row(Entry, row) for row in conn.execute(chunk))
        return found

    def adopt(self, run_id: int, server: str, found: Iterable[tuple[str, SyncedResource]]) -> int:
        """Record resources ``server`` already holds for this installation ((case id, what is
        there) pairs) as landed, so the next push updates them instead of writing copies."""
        by_case: dict[str, list[SyncedResource]] = {}
        for case_id, resource in found:
            by_case.setdefault(case_id, []).append(resource)
        with self._write("adopt") as conn:
            for case_id, resources in by_case.items():
                CaseWriter(conn, run_id, server, case_id, self._now()).store_entries(resources)
        return sum(len(resources) for resources in by_case.values())

    def forget(self, server: str, resources: Sequence[tuple[str, str]]) -> int:
        """Drop the entries of ``resources`` ((type, id) pairs) on ``server``, so the next push
        sends them again (after ``sandbox clean`` deleted them there); returns how many went.
        Their cases' snapshots stop vouching that a push of the same document sends nothing."""
        gone = 0
        with self._write("forget") as conn:
            for start in range(0, len(resources), 500):
                chunk = list(resources[start : start + 500])
                where = (
                    entries.c.server_url == server,
                    tuple_(entries.c.resource_type, entries.c.resource_id).in_(chunk),
                )
                touched = select(entries.c.case_id).where(*where).distinct()
                conn.execute(
                    update(case_snapshots)
                    .where(
                        case_snapshots.c.server_url == server,
                        case_snapshots.c.case_id.in_(touched),
                    )
                    .values(mapping=None, resources=None)
                )
                gone += conn.execute(delete(entries).where(*where)).rowcount
        return gone

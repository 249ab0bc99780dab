"""Results: where every outcome of a push or pull is recorded.

``record_success`` (the server committed), ``record_failure`` (a dead letter), ``record_partial``
(part of a case landed), ``record_merge`` (the server's performer-owned fields were taken in),
``record_unchanged`` (nothing to send, in batches), ``record_pulled`` (server-side changes
applied to a stored case). Each is one short transaction: the ledger never holds a lock while
the engine waits on the network, and a killed process leaves it consistent up to its last case.
Messages must be free of patient data: an error class, a server code and a sentence.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, select

from adapter.sync.feed import FeedChange
from adapter.sync.ledger.base import LedgerBase
from adapter.sync.ledger.cases import PULL_SOURCE, store_case, store_snapshot
from adapter.sync.ledger.feed import add_changes
from adapter.sync.ledger.records import (
    Attempt,
    DeadLetter,
    NewConflict,
    SyncedResource,
    from_row,
)
from adapter.sync.ledger.schema import (
    AttemptOutcome,
    ReasonCode,
    attempts,
    conflicts,
)
from adapter.sync.ledger.statements import (
    ADD_ATTEMPT,
    COUNT_RUN,
    MOVE_CASE,
)
from adapter.sync.ledger.writes import CaseWriter, describe

__all__ = ["Results"]


def _merge_message(key: tuple[str, str], detail: Mapping[str, list[str]], resolved: bool) -> str:
    said = [
        f"{name.replace('_', ' ')}: {', '.join(paths)}" for name, paths in detail.items() if paths
    ]
    verdict = "merged" if resolved else "not merged"
    return f"{key[0]}/{key[1]} changed on the server too, {verdict} ({'; '.join(said)})"


class Results(LedgerBase):
    """What landed where, what failed, what was merged or pulled; every attempt of a case."""

    def record_success(
        self,
        run_id: int,
        server: str,
        case_id: str,
        results: Sequence[SyncedResource],
        *,
        snapshot: Mapping[str, Any] | None = None,
        mapping: str | None = None,
        case: tuple[Mapping[str, Any], str] | None = None,
        resolved: Collection[int] = (),
        feed: Sequence[FeedChange] = (),
    ) -> None:
        """One case landed: its entries, an attempt row, the run's counts, its dead letter resolved.

        Call once per case per run, with every resource of the case (unchanged ones included,
        ``changed=False``), in one transaction. ``snapshot`` is the case document just pushed
        in full (the base of later three-way merges), stored in the same transaction, with the
        ``mapping`` fingerprint it was mapped with (None: the next push plans it again).
        ``case`` (document, source): the stored case as it now is, when the push took the
        server's elements into it (a merge), stored in the same transaction. ``resolved``:
        open conflicts whose case-management elements this push wrote back, closed with it.
        ``feed``: the change feed's rows for what ``case`` took from the server.
        """
        written = sum(1 for result in results if result.changed)
        with self._write("record_success") as conn:
            writer = CaseWriter(conn, run_id, server, case_id, self._now())
            writer.store_entries(results)
            writer.add_attempt(
                AttemptOutcome.WRITTEN if written else AttemptOutcome.UNCHANGED,
                resources=[describe(result) for result in results],
            )
            writer.close_dead_letter()
            writer.resolve_conflicts(resolved)
            if snapshot is not None:
                store_snapshot(
                    conn,
                    server,
                    case_id,
                    snapshot,
                    run_id=run_id,
                    now=writer.now,
                    mapping=mapping,
                    resources=len(results) if mapping is not None else None,
                )
            if case is not None:
                store_case(conn, case_id, case[0], source=case[1], now=writer.now)
                add_changes(conn, server, feed, run_id=run_id, now=writer.now)
            writer.count(
                cases_ok=1,
                resources_written=written,
                resources_unchanged=len(results) - written,
            )

    def record_failure(
        self,
        run_id: int,
        server: str,
        case_id: str,
        *,
        reason: ReasonCode,
        error_class: str,
        message: str,
        outcome: Mapping[str, Any] | None = None,
        status: int | None = None,
        server_code: str | None = None,
        resources: Iterable[tuple[str, str]] = (),
    ) -> DeadLetter:
        """One case failed for good in this run: an attempt row and its open dead letter.

        The case's open dead letter is created, or updated with this failure and its
        ``attempts`` incremented. ``message`` must not contain patient data. ``resources``
        ((type, id) pairs) get their failure count and error class recorded on their entries.
        """
        failure = {
            "error_class": error_class,
            "message": message,
            "operation_outcome": dict(outcome) if outcome is not None else None,
            "http_status": status,
            "server_code": server_code,
        }
        kind = AttemptOutcome.CONFLICT if reason is ReasonCode.CONFLICT else AttemptOutcome.FAILED
        with self._write("record_failure") as conn:
            case = CaseWriter(conn, run_id, server, case_id, self._now())
            case.add_attempt(kind, **failure)
            letter = case.open_dead_letter(reason, failure)
            case.mark_failing(resources, error_class)
            case.count(cases_failed=1)
        return letter

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

    def record_partial(
        self,
        run_id: int,
        server: str,
        case_id: str,
        landed: Sequence[SyncedResource],
        *,
        reason: ReasonCode,
        failed: Sequence[tuple[str, str]],
        failure: Mapping[str, Any],
        snapshot: Mapping[str, Any] | None = None,
        case: tuple[Mapping[str, Any], str] | None = None,
        feed: Sequence[FeedChange] = (),
    ) -> None:
        """Part of a case landed (``landed``), the rest (``failed``) did not: both remembered,
        the case dead-lettered. ``failure`` holds error_class, message, operation_outcome,
        http_status and server_code, free of patient data. ``snapshot``, when given, is the case
        as the server now holds it (:mod:`adapter.sync.push.snapshot`), the new merge base.
        ``case``: as for ``record_success``."""
        written = sum(1 for result in landed if result.changed)
        with self._write("record_partial") as conn:
            writer = CaseWriter(conn, run_id, server, case_id, self._now())
            if snapshot is not None:
                store_snapshot(conn, server, case_id, snapshot, run_id=run_id, now=writer.now)
            if case is not None:
                store_case(conn, case_id, case[0], source=case[1], now=writer.now)
                add_changes(conn, server, feed, run_id=run_id, now=writer.now)
            writer.store_entries(landed)
            writer.add_attempt(
                AttemptOutcome.FAILED, resources=[describe(r) for r in landed], **failure
            )
            writer.open_dead_letter(reason, failure)
            writer.mark_failing(failed, str(failure.get("error_class") or reason))
            writer.count(
                cases_failed=1,
                resources_written=written,
                resources_unchanged=len(landed) - written,
            )

    def record_merge(
        self,
        run_id: int,
        server: str,
        case_id: str,
        resource: tuple[str, str],
        *,
        local_version: str | None,
        server_version: str | None,
        detail: Mapping[str, list[str]],
        resolved: bool,
        server_elements: Mapping[str, Any] | None = None,
    ) -> None:
        """Both sides changed ``resource``: a conflict row (closed at once when ``resolved``, the
        merge having been written) and an attempt row saying which paths went which way.

        An unresolved conflict already open for the same server version is not repeated.
        ``server_elements``: the disputed elements as the server holds them, kept with the
        conflict so that a person may take the server's side (:mod:`adapter.sync.conflicts`).
        """
        now = self._now()
        fields = sorted({path for paths in detail.values() for path in paths})
        with self._write("record_merge") as conn:
            if not resolved and self._open_conflict(conn, server, resource, server_version):
                return
            case = CaseWriter(conn, run_id, server, case_id, now)
            case.add_conflict(
                resource,
                local_version=local_version,
                server_version=server_version,
                fields=fields,
                detail={**detail, "server": dict(server_elements)} if server_elements else detail,
                resolved=resolved,
            )
            case.add_attempt(
                AttemptOutcome.CONFLICT,
                error_class="VersionConflict",
                message=_merge_message(resource, detail, resolved),
            )

    def record_pulled(
        self,
        run_id: int,
        server: str,
        case_id: str,
        *,
        document: Mapping[str, Any] | None,
        results: Sequence[SyncedResource],
        conflicts: Sequence[NewConflict] = (),
        feed: Sequence[FeedChange] = (),
    ) -> None:
        """A pull's result for one case, in one transaction: the updated case ``document``
        (None: the case did not change), the versions and hashes read (``results``), the
        ``conflicts`` not applied, an attempt row, the run's counts and the change ``feed``
        rows for what changed in the document.

        Unlike ``record_success`` it never resolves the case's dead letter (a failed push stays
        failed until a push succeeds) and never stores a push snapshot.
        """
        outcome = (
            AttemptOutcome.CONFLICT
            if conflicts
            else AttemptOutcome.WRITTEN
            if document is not None
            else AttemptOutcome.UNCHANGED
        )
        changed = sum(1 for result in results if result.changed)
        with self._write("record_pulled") as conn:
            case = CaseWriter(conn, run_id, server, case_id, self._now())
            if document is not None:
                store_case(conn, case_id, document, source=PULL_SOURCE, now=case.now)
                add_changes(conn, server, feed, run_id=run_id, now=case.now)
            for conflict in conflicts:
                case.add_conflict(
                    conflict.resource,
                    local_version=conflict.local_version,
                    server_version=conflict.server_version,
                    fields=conflict.fields,
                    detail=conflict.detail,
                )
            case.store_entries(results)
            case.add_attempt(outcome, resources=[describe(result) for result in results])
            case.count(
                cases_ok=1, resources_written=changed, resources_unchanged=len(results) - changed
            )

    @staticmethod
    def _open_conflict(
        conn: Connection, server: str, resource: tuple[str, str], version: str | None
    ) -> bool:
        query = select(conflicts.c.id).where(
            conflicts.c.server_url == server,
            conflicts.c.resource_type == resource[0],
            conflicts.c.resource_id == resource[1],
            conflicts.c.server_version == version,
            conflicts.c.resolved_at.is_(None),
        )
        return conn.execute(query.limit(1)).first() is not None

    def attempts_for_case(self, case_id: str, *, server: str | None = None) -> list[Attempt]:
        """Every attempt at one case, oldest first (what ``adapter explain`` shows)."""
        query = select(attempts).where(attempts.c.case_id == case_id)
        if server is not None:
            query = query.where(attempts.c.server_url == server)
        with self._read("attempts_for_case") as conn:
            rows = conn.execute(query.order_by(attempts.c.at, attempts.c.id))
            return [from_row(Attempt, row) for row in rows]

"""The case store (the outbox): the latest accepted internal case per case id, and per server
the case as it was last pushed in full (the base a three-way merge compares against).

Writers: ``adapter push`` (cases read from files), the API (``POST /cases``, source ``api``),
pull (server-side changes mapped back, source ``pull``). ``adapter dlq retry`` reads it back.
The documents are patient data: they live only in the ledger database (created mode 0600) and
are never logged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from adapter.sync.ledger.base import LedgerStore
from adapter.sync.ledger.records import NewConflict, SyncedResource
from adapter.sync.ledger.schema import (
    AttemptOutcome,
    ReasonCode,
    case_snapshots,
    cases,
    conflicts,
)
from adapter.sync.ledger.statements import case_upsert, snapshot_upsert
from adapter.sync.ledger.writes import CaseWriter, describe

__all__ = [
    "API_SOURCE",
    "PULL_SOURCE",
    "CaseStore",
    "StoredCase",
    "store_case",
    "store_snapshot",
]

API_SOURCE = "api"
PULL_SOURCE = "pull"


@dataclass(frozen=True, slots=True)
class StoredCase:
    """One case in the store. ``document`` is None when no valid version was ever accepted
    (the source still says where the last, invalid, one came from)."""

    case_id: str
    document: dict[str, Any] | None
    source: str
    updated_at: datetime

    @property
    def from_file(self) -> bool:
        return self.source not in (API_SOURCE, PULL_SOURCE)


class CaseStore(LedgerStore):
    """Case-store operations; :class:`adapter.sync.ledger.Ledger` inherits them."""

    def put_case(
        self, case_id: str, document: Mapping[str, Any] | None, *, source: str
    ) -> StoredCase:
        """Keep ``document`` as the latest accepted version of the case (validate it first).

        ``document=None`` only records where an invalid version came from, keeping the last
        accepted document.
        """
        with self._write("put_case") as conn:
            store_case(conn, case_id, document, source=source, now=self._now())
            row = conn.execute(select(cases).where(cases.c.case_id == case_id)).one()
        return StoredCase(row.case_id, row.document, row.source, row.updated_at)

    def get_case(self, case_id: str) -> StoredCase | None:
        with self._read("get_case") as conn:
            row = conn.execute(select(cases).where(cases.c.case_id == case_id)).one_or_none()
        return None if row is None else StoredCase(*row)

    def case_ids(self) -> list[str]:
        """Every case id in the store, sorted."""
        with self._read("case_ids") as conn:
            return list(conn.execute(select(cases.c.case_id).order_by(cases.c.case_id)).scalars())

    def pushed_snapshot(self, server: str, case_id: str) -> dict[str, Any] | None:
        """The case document as last pushed in full to ``server``, if ever."""
        query = select(case_snapshots.c.document).where(
            case_snapshots.c.server_url == server, case_snapshots.c.case_id == case_id
        )
        with self._read("pushed_snapshot") as conn:
            document: dict[str, Any] | None = conn.execute(query).scalar_one_or_none()
        return document

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
    ) -> None:
        """Part of a case landed (``landed``), the rest (``failed``) did not: both remembered,
        the case dead-lettered. ``failure`` holds error_class, message, operation_outcome,
        http_status and server_code, free of patient data. ``snapshot``, when given, is the case
        as the server now holds it (:mod:`adapter.sync.push.snapshot`), the new merge base."""
        written = sum(1 for result in landed if result.changed)
        with self._write("record_partial") as conn:
            case = CaseWriter(conn, run_id, server, case_id, self._now())
            if snapshot is not None:
                store_snapshot(conn, server, case_id, snapshot, run_id=run_id, now=case.now)
            case.store_entries(landed)
            case.add_attempt(
                AttemptOutcome.FAILED, resources=[describe(r) for r in landed], **failure
            )
            case.open_dead_letter(reason, failure)
            case.mark_failing(failed, str(failure.get("error_class") or reason))
            case.count(
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
    ) -> None:
        """Both sides changed ``resource``: a conflict row (closed at once when ``resolved``, the
        merge having been written) and an attempt row saying which paths went which way.

        An unresolved conflict already open for the same server version is not repeated.
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
                detail=detail,
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
    ) -> None:
        """A pull's result for one case, in one transaction: the updated case ``document``
        (None: the case did not change), the versions and hashes read (``results``), the
        ``conflicts`` not applied, an attempt row and the run's counts.

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


def _merge_message(key: tuple[str, str], detail: Mapping[str, list[str]], resolved: bool) -> str:
    said = [
        f"{name.replace('_', ' ')}: {', '.join(paths)}" for name, paths in detail.items() if paths
    ]
    verdict = "merged" if resolved else "not merged"
    return f"{key[0]}/{key[1]} changed on the server too, {verdict} ({'; '.join(said)})"


def store_case(
    conn: Connection,
    case_id: str,
    document: Mapping[str, Any] | None,
    *,
    source: str,
    now: datetime,
) -> None:
    values: dict[str, Any] = {"case_id": case_id, "source": source, "updated_at": now}
    if document is not None:
        values["document"] = dict(document)
    conn.execute(case_upsert(conn.dialect.name, document is not None), values)


def store_snapshot(
    conn: Connection,
    server: str,
    case_id: str,
    document: Mapping[str, Any],
    *,
    run_id: int,
    now: datetime,
    mapping: str | None = None,
    resources: int | None = None,
) -> None:
    """Inside an open write transaction: ``document`` is now the case as pushed to ``server``.

    ``mapping`` and ``resources`` (the mapping fingerprint and the number of resources) only
    when it was pushed in full and every resource landed: they let the next push of the same
    document skip it (:class:`adapter.sync.ledger.push_cases.PushContext`)."""
    values = {
        "server_url": server,
        "case_id": case_id,
        "document": dict(document),
        "run_id": run_id,
        "pushed_at": now,
        "mapping": mapping,
        "resources": resources,
    }
    conn.execute(snapshot_upsert(conn.dialect.name), values)

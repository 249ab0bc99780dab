"""The server's own ids: where a server assigns ids, which id it gave each resource the adapter
knows by its deterministic id (:mod:`adapter.sync.server_ids` reads and fills it)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select, tuple_

from adapter.sync.ledger.base import LedgerBase
from adapter.sync.ledger.engine import upsert
from adapter.sync.ledger.records import ResourceKey
from adapter.sync.ledger.schema import server_ids

__all__ = ["ServerIds"]


class ServerIds(LedgerBase):
    """(server, type, deterministic id) -> the server's id."""

    def server_ids(self, server: str) -> dict[ResourceKey, str]:
        """Every server id recorded for ``server``, by the resource's deterministic key."""
        query = select(
            server_ids.c.resource_type, server_ids.c.resource_id, server_ids.c.server_id
        ).where(server_ids.c.server_url == server)
        with self._read("server_ids") as conn:
            return {
                ResourceKey(row.resource_type, row.resource_id): row.server_id
                for row in conn.execute(query)
            }

    def server_ids_of(self, server: str, keys: Iterable[ResourceKey]) -> dict[ResourceKey, str]:
        """The server ids recorded for ``keys`` only (another worker may have recorded them
        since this one read :meth:`server_ids`)."""
        wanted = sorted(set(keys))
        found: dict[ResourceKey, str] = {}
        with self._read("server_ids_of") as conn:
            for start in range(0, len(wanted), 500):
                query = select(
                    server_ids.c.resource_type, server_ids.c.resource_id, server_ids.c.server_id
                ).where(
                    server_ids.c.server_url == server,
                    tuple_(server_ids.c.resource_type, server_ids.c.resource_id).in_(
                        wanted[start : start + 500]
                    ),
                )
                for row in conn.execute(query):
                    found[ResourceKey(row.resource_type, row.resource_id)] = row.server_id
        return found

    def record_server_ids(self, server: str, pairs: Iterable[tuple[ResourceKey, str]]) -> None:
        """Keep the server's id of each resource (a later id for the same resource replaces it:
        the server lost the first one and the adapter created it again)."""
        rows = [
            {
                "server_url": server,
                "resource_type": key[0],
                "resource_id": key[1],
                "server_id": server_id,
                "recorded_at": self._now(),
            }
            for key, server_id in pairs
        ]
        if not rows:
            return
        with self._write("record_server_ids") as conn:
            ins = upsert(conn, server_ids)
            conn.execute(
                ins.on_conflict_do_update(
                    index_elements=[
                        server_ids.c.server_url,
                        server_ids.c.resource_type,
                        server_ids.c.resource_id,
                    ],
                    set_={
                        "server_id": ins.excluded.server_id,
                        "recorded_at": ins.excluded.recorded_at,
                    },
                ),
                rows,
            )

    def forget_server_ids(self, server: str, keys: Iterable[ResourceKey]) -> None:
        """Drop the server ids of ``keys`` (the server no longer holds them)."""
        with self._write("forget_server_ids") as conn:
            for key in keys:
                conn.execute(
                    delete(server_ids).where(
                        server_ids.c.server_url == server,
                        server_ids.c.resource_type == key[0],
                        server_ids.c.resource_id == key[1],
                    )
                )

"""Talking to the benchmark's HAPI outside the timed sections: reset, counting versions,
the server's clock and version, and the provider's edits before W4."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import httpx

from adapter.mappings.bundle import case_to_resources
from adapter.model.case import Case
from bench.dataset import OPEN_TASK_STATUSES

__all__ = ["HapiControl"]

FHIR_JSON = "application/fhir+json"


class HapiControl:
    """Synchronous helper around one base URL (timeouts are generous: $expunge of 20k
    resources takes a while on a loaded machine)."""

    def __init__(self, base_url: str, database_url: str | None = None) -> None:
        self.base = base_url.rstrip("/")
        self.database_url = database_url
        self.http = httpx.Client(timeout=600, headers={"Accept": FHIR_JSON})

    def close(self) -> None:
        self.http.close()

    def reset(self) -> None:
        """Wipe every resource and version (``$expunge`` with expungeEverything), then VACUUM
        HAPI's database when it is known: otherwise PostgreSQL's autovacuum cleans up the
        expunged rows during the next workload, which then ran up to 50 % slower."""
        body = {
            "resourceType": "Parameters",
            "parameter": [{"name": "expungeEverything", "valueBoolean": True}],
        }
        response = self.http.post(
            f"{self.base}/$expunge", json=body, headers={"Content-Type": FHIR_JSON}
        )
        response.raise_for_status()
        if self.database_url is not None:
            _vacuum(self.database_url)

    def mark(self) -> tuple[datetime, int | None]:
        """Where the version count stands now: see :meth:`writes_since`."""
        total = _versions_in_database(self.database_url) if self.database_url else None
        return self.server_time(), total

    def writes_since(self, mark: tuple[datetime, int | None]) -> int:
        """Resource versions created since ``mark`` (a write that changed something adds one;
        an identical PUT adds none). Counted in HAPI's table when its database URL is known,
        else by paging ``_history`` (HAPI caches ``_summary=count`` on history for a minute,
        so that count lags behind the writes)."""
        since, total = mark
        if self.database_url is not None and total is not None:
            return _versions_in_database(self.database_url) - total
        count = 0
        url: str | None = f"{self.base}/_history"
        params: dict[str, str] = {"_since": since.isoformat(), "_count": "200"}
        while url is not None:
            response = self.http.get(url, params=params)
            response.raise_for_status()
            page = response.json()
            count += len(page.get("entry") or [])
            url = next((k["url"] for k in page.get("link", []) if k["relation"] == "next"), None)
            params = {}
        return count

    def server_time(self) -> datetime:
        """The server's clock, from a history Bundle's ``meta.lastUpdated``."""
        response = self.http.get(f"{self.base}/_history", params={"_count": "1"})
        response.raise_for_status()
        return datetime.fromisoformat(response.json()["meta"]["lastUpdated"])

    def software(self) -> dict[str, Any]:
        response = self.http.get(f"{self.base}/metadata")
        response.raise_for_status()
        statement = response.json()
        software = statement.get("software") or {}
        return {
            "name": software.get("name"),
            "version": software.get("version"),
            "fhirVersion": statement.get("fhirVersion"),
        }

    def complete_tasks(self, cases: Iterable[Case]) -> int:
        """As a provider would: mark one open Task of each case completed. Returns writes."""
        written = 0
        for case in cases:
            task = next(
                (r for r in case_to_resources(case) if _is_open_task(r)),
                None,
            )
            if task is None:
                continue
            url = f"{self.base}/Task/{task['id']}"
            current = self.http.get(url)
            current.raise_for_status()
            body = {**current.json(), "status": "completed"}
            body.pop("statusReason", None)
            response = self.http.put(url, json=body, headers={"Content-Type": FHIR_JSON})
            response.raise_for_status()
            written += 1
        return written


def _is_open_task(resource: dict[str, Any]) -> bool:
    return resource["resourceType"] == "Task" and resource.get("status") in OPEN_TASK_STATUSES


def _versions_in_database(url: str) -> int:
    import psycopg  # only with --database-url; the postgres extra brings it

    with psycopg.connect(url) as connection:
        row = connection.execute("SELECT count(*) FROM hfj_res_ver").fetchone()
    return int(row[0]) if row else 0


def _vacuum(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE)")

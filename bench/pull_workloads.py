"""The two ways ``bench/pull-bench`` reads server-side changes, each run by :mod:`bench.worker`.

- :class:`StoredPull` is ``adapter pull`` (``pull_changes`` from the stored watermark, with a
  strategy: ``auto`` or one level), on a client from ``open_client`` with a timed transport.
- :class:`NaiveReread` is the simplest correct alternative: read every resource of the
  namespace again (``GET [Type]?_tag=<namespace tag>``, paged, one type after the other) and
  compare each page's versions with the ledger. It only *finds* the changed cases; merging
  them into the stored cases (what the pull also does) is left out, so its costs are a lower
  bound for a full re-read.
"""

from __future__ import annotations

from typing import Any, Final

import httpx

from adapter.fhir import open_client
from adapter.fhir.urls import BaseURL
from adapter.mappings.namespace import tag_token
from adapter.politeness import politeness
from adapter.settings import load_settings
from adapter.sync.ledger import Ledger
from adapter.sync.ledger.records import Entry, ResourceKey
from adapter.sync.pull.history import CASE_RESOURCE_TYPES, PAGE_SIZE
from adapter.sync.pull.run import pull_changes
from bench.timing import Recorder, TimedTransport, pooled_transport

__all__ = ["NaiveReread", "StoredPull", "is_newer", "next_link"]

FHIR_JSON: Final = "application/fhir+json"


class StoredPull:
    """``adapter pull`` (no ``--since``): from the watermark the ledger holds."""

    def __init__(self, server: str, ledger: str, namespace: str, strategy: str) -> None:
        self.settings = load_settings(fhir_base_url=server, ledger_url=ledger, namespace=namespace)
        self.strategy = strategy
        self.ledger = Ledger.open(ledger)

    async def run(self, recorder: Recorder) -> dict[str, Any]:
        transport = TimedTransport(
            pooled_transport(politeness(self.settings).max_concurrency), recorder
        )
        async with open_client(self.settings, transport=transport) as client:
            report = await pull_changes(
                client, self.ledger, namespace=self.settings.namespace, strategy=self.strategy
            )
        summary = report.summary()
        changed = sorted(u.case_id for u in report.updates if u.changed)
        return {"cases": summary["cases_updated"], "changed_cases": changed, **summary}

    def close(self) -> None:
        self.ledger.close()


class NaiveReread:
    """Every resource of the namespace read again, page by page, versions compared with the
    ledger's (a page at a time: nothing but the changed case ids is kept)."""

    def __init__(self, server: str, ledger: str, namespace: str) -> None:
        self.server = BaseURL(server).url
        self.token = tag_token(namespace)
        self.ledger = Ledger.open(ledger)

    async def run(self, recorder: Recorder) -> dict[str, Any]:
        changed: set[str] = set()
        read = unknown = 0
        transport = TimedTransport(pooled_transport(1), recorder)
        headers = {"Accept": FHIR_JSON}
        async with httpx.AsyncClient(transport=transport, headers=headers, timeout=300) as http:
            for resource_type in sorted(CASE_RESOURCE_TYPES):
                url: str | None = f"{self.server}/{resource_type}"
                params: dict[str, str] | None = {"_tag": self.token, "_count": str(PAGE_SIZE)}
                while url is not None:
                    response = await http.get(url, params=params)
                    response.raise_for_status()
                    page = response.json()
                    resources = [e["resource"] for e in page.get("entry") or []]
                    read += len(resources)
                    unknown += self._compare(resources, changed)
                    url, params = next_link(page), None
        return {
            "cases": len(changed),
            "changed_cases": sorted(changed),
            "entries_read": read,
            "unknown": unknown,
        }

    def _compare(self, resources: list[dict[str, Any]], changed: set[str]) -> int:
        """Add the cases of resources newer than the ledger's to ``changed``; return how many
        resources the ledger does not know."""
        keys = [ResourceKey(str(r["resourceType"]), str(r["id"])) for r in resources]
        known = self.ledger.known(self.server, keys)
        missing = 0
        for resource, key in zip(resources, keys, strict=True):
            entry = known.get(key)
            if entry is None:
                missing += 1
            elif is_newer(resource, entry):
                changed.add(entry.case_id)
        return missing

    def close(self) -> None:
        self.ledger.close()


def is_newer(resource: dict[str, Any], entry: Entry) -> bool:
    """Whether the server's version of ``resource`` is past the one the ledger holds."""
    version = str((resource.get("meta") or {}).get("versionId") or "")
    held = entry.version_id or ""
    if version.isdigit() and held.isdigit():
        return int(version) > int(held)
    return version != held


def next_link(page: dict[str, Any]) -> str | None:
    """The URL of a search Bundle's next page, or None on the last one."""
    return next((k["url"] for k in page.get("link") or [] if k.get("relation") == "next"), None)

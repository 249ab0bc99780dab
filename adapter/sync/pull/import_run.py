"""One ``adapter import`` run: REST or bulk, full or since an instant, and the watermark.

The watermark is per server, in the ledger's settings (``import-watermark <base URL>``): the
server's own time when the previous run began (a search's ``Bundle.meta.lastUpdated``, or the
export's ``transactionTime``), less an overlap for transactions that committed late. It is
moved only after a run that read every client (one failed case still moves it: that case's
resources did not change, the next run would fail it again).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final, Protocol

from adapter.fhir import FHIRClient
from adapter.sync.merge import instant
from adapter.sync.pull.bulk import bulk_gatherer
from adapter.sync.pull.gather import RestGatherer
from adapter.sync.pull.importer import ImportSummary, OwnData, import_with

__all__ = ["WATERMARK_OVERLAP", "ImportRequest", "run_import", "watermark_key"]

WATERMARK_OVERLAP: Final = timedelta(minutes=5)


class _Ledger(Protocol):
    def get_setting(self, key: str) -> str | None: ...

    def set_setting(self, key: str, value: str) -> None: ...

    def known(self, server: str, resources: Iterable[tuple[str, str]]) -> Mapping[Any, Any]: ...


@dataclass(frozen=True)
class ImportRequest:
    out_dir: Path
    patient: str | None = None
    since: datetime | None = None
    incremental: bool = False
    """Since the stored watermark (a first run reads everything); stores the next one."""
    bulk: bool = False
    group: str | None = None
    ndjson: bool = False
    own_data: OwnData = OwnData.EXCLUDE
    namespace: str | None = None
    bulk_timeout: float = 3600.0


def watermark_key(server: str) -> str:
    return f"import-watermark {server.rstrip('/')}"


async def run_import(
    client: FHIRClient,
    request: ImportRequest,
    *,
    ledger: _Ledger | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[ImportSummary, datetime | None]:
    """Import as asked; returns the summary and the watermark stored (None if none)."""
    server = client.base.url
    since = request.since
    if request.incremental and since is None and ledger is not None:
        stored = ledger.get_setting(watermark_key(server))
        since = instant(stored) if stored else None
    ndjson = request.out_dir / "cases.ndjson" if request.ndjson else None
    options: dict[str, Any] = {
        "server": server,
        "out_dir": request.out_dir,
        "namespace": request.namespace,
        "own_data": request.own_data,
        "ndjson": ndjson,
        "progress": progress,
        "known": None if ledger is None else _known_by(ledger, server),
    }
    if request.bulk:
        async with bulk_gatherer(
            client,
            since=since,
            group=request.group,
            patient=request.patient,
            wait_limit=request.bulk_timeout,
        ) as gatherer:
            summary = await import_with(gatherer, **options)
            summary.refused += gatherer.bad_lines
            began = instant(gatherer.manifests[0].transaction_time)
    else:
        began = await server_time(client)
        summary = await import_with(RestGatherer(client, request.patient, since=since), **options)
    if request.incremental and ledger is not None and began is not None:
        mark = began - WATERMARK_OVERLAP
        ledger.set_setting(watermark_key(server), mark.isoformat())
        return summary, mark
    return summary, None


def _known_by(ledger: _Ledger, server: str) -> Callable[[str, str], bool]:
    def known(kind: str, ident: str) -> bool:
        return bool(ledger.known(server, [(kind, ident)]))

    return known


async def server_time(client: FHIRClient) -> datetime | None:
    """The server's clock: ``meta.lastUpdated`` of a search answer (HAPI and most servers)."""
    async for page in client.search_pages("EpisodeOfCare", {"_summary": "count"}, no_cache=True):
        text = (page.get("meta") or {}).get("lastUpdated")
        return instant(text) if isinstance(text, str) else None
    return None

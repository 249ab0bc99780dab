"""FHIR Bulk Data ``$export`` (async pattern): kick off, poll, stream the NDJSON files.

Kick-off ``GET [base]/Patient/$export`` (or ``Group/<id>/$export``) with
``Prefer: respond-async`` must answer ``202`` with the status URL in ``Content-Location``; the
status URL answers ``202`` (with ``Retry-After``, honoured, bounded) until the manifest is ready
(``200``: ``transactionTime`` and one ``output`` entry per file). Files are read line by line
(:meth:`FHIRClient.stream_lines`), so memory stays flat whatever their size. File URLs must lie
under the server's base URL (the token is sent there only). Spec: https://hl7.org/fhir/uv/bulkdata/
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from adapter.errors import FHIRError, ResponseError, UnsupportedByServer
from adapter.fhir.client import FHIR_JSON, FHIRClient

__all__ = ["NDJSON", "ExportFile", "ExportManifest", "export", "read_ndjson"]

NDJSON: Final = "application/fhir+ndjson"
_FIRST_WAIT: Final = 0.5
#: The longest wait between polls: a server's Retry-After is honoured up to this (HAPI always
#: answers 120 s, whatever the export's size; a small export is done in seconds).
POLL_CAP: Final = 5.0


@dataclass(frozen=True, slots=True)
class ExportFile:
    type: str
    url: str


@dataclass(frozen=True, slots=True)
class ExportManifest:
    transaction_time: str
    """The server's time the export reflects: the next ``_since`` (watermark)."""
    files: tuple[ExportFile, ...]
    errors: tuple[ExportFile, ...]


async def export(
    client: FHIRClient,
    *,
    types: Sequence[str],
    since: datetime | None = None,
    group: str | None = None,
    system: bool = False,
    wait_limit: float = 3600.0,
    poll_cap: float = POLL_CAP,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> ExportManifest:
    """Run one export of ``types`` (Patient level; Group level with ``group``; system level
    with ``system``) to its manifest. UnsupportedByServer when the server has no ``$export``;
    FHIRError when the job fails or does not finish within ``wait_limit`` seconds."""
    path: tuple[str, ...] = ("Patient", "$export")
    if group:
        path = ("Group", group, "$export")
    elif system:
        path = ("$export",)
    params = {"_type": ",".join(types), "_outputFormat": NDJSON}
    if since is not None:
        params["_since"] = since.isoformat()
    prefer = {"Prefer": "respond-async", "Accept": FHIR_JSON}
    url = client.base.join(*path)
    try:
        kickoff = await client.send("GET", url, params=params, headers=prefer)
    except FHIRError as exc:
        status = getattr(exc, "status", None)
        if status in (404, 405, 501):
            raise UnsupportedByServer(
                f"the server offers no bulk $export at {'/'.join(path)} (HTTP {status})",
                method="GET",
                url=url,
            ) from exc
        raise
    status_url = kickoff.headers.get("content-location", "")
    if kickoff.status_code != 202 or not status_url:
        raise ResponseError(
            f"$export answered HTTP {kickoff.status_code} without a status URL (expected 202)",
            method="GET",
            url=url,
        )
    return await _poll(client, status_url, wait_limit=wait_limit, cap=poll_cap, sleep=sleep)


async def _poll(
    client: FHIRClient,
    status_url: str,
    *,
    wait_limit: float,
    cap: float,
    sleep: Callable[[float], Awaitable[None]],
) -> ExportManifest:
    deadline = time.monotonic() + wait_limit
    wait = _FIRST_WAIT
    while True:
        answer = await client.send("GET", status_url, headers={"Accept": "application/json"})
        if answer.status_code == 200:
            return _manifest(answer.json(), status_url)
        if answer.status_code != 202:
            raise ResponseError(
                f"$export status answered HTTP {answer.status_code}", method="GET", url=status_url
            )
        if time.monotonic() >= deadline:
            raise FHIRError(f"$export did not finish within {wait_limit:g} s", url=status_url)
        asked = _retry_after(answer.headers.get("retry-after"))
        pause = min(max(wait, asked), cap)
        await sleep(min(pause, max(0.0, deadline - time.monotonic())))
        wait = min(wait * 2, cap)


def _retry_after(header: str | None) -> float:
    """Seconds the server asks to wait (``Retry-After`` in seconds; 0 when it names none)."""
    if header and header.strip().isdigit():
        return float(header.strip())
    return 0.0


def _manifest(body: Any, url: str) -> ExportManifest:
    if not isinstance(body, dict) or not isinstance(body.get("output"), list):
        raise ResponseError("$export manifest has no output list", method="GET", url=url)

    def files(key: str) -> tuple[ExportFile, ...]:
        return tuple(
            ExportFile(str(item.get("type")), str(item.get("url")))
            for item in body.get(key) or []
            if isinstance(item, dict) and item.get("url")
        )

    return ExportManifest(str(body.get("transactionTime") or ""), files("output"), files("error"))


async def read_ndjson(
    client: FHIRClient, file: ExportFile
) -> AsyncIterator[tuple[int, dict[str, Any] | None]]:
    """(line number, resource) for each line of an export file; None for a line that is not
    a JSON object (the caller reports it by file type and line, never by content)."""
    number = 0
    async for line in client.stream_lines(file.url, accept=NDJSON):
        number += 1
        try:
            value = json.loads(line)
        except ValueError:
            yield number, None
            continue
        yield number, value if isinstance(value, dict) else None

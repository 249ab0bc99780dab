"""Noticing a server that lost data, before a push trusts the ledger.

Each installation keeps one small marker resource on each server it writes to (a ``Basic``
with a fixed id, in its namespace) and the marker's version in the ledger. A push reads it first
(one GET): gone means the server was reset or purged; an older version means it was restored
from a backup. Either way, and when the ledger has claims but no marker was ever recorded (a
ledger from before markers), the ledger is unverified: every claimed resource is read back
(:func:`adapter.sync.push.verify.verify`) and what is missing, or back at an older version than
recorded, is forgotten, so the pushes of those cases send it again instead of answering
"unchanged". After a run that wrote anything,
the marker is written again (one PUT, or inside the run's transaction when that was its only
write: :mod:`adapter.sync.push.ride`), so a no-op re-sync still writes nothing.

A new or lost ledger meeting a server that holds this installation's marker adopts, case by
case, what the server already holds (``adopt``), instead of writing it again without If-Match.

A server that refuses the marker (a type it does not support, no permission) turns the check
off for that run, with one warning; it never fails the push.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from typing import Any, Final, Literal

from adapter.canonical import CANONICAL_BASE
from adapter.errors import FHIRError, ResourceNotFound
from adapter.fhir.client import FHIRClient
from adapter.mappings.ids import resource_id
from adapter.mappings.namespace import namespace_tag
from adapter.sync.id_discovery import find_server_ids
from adapter.sync.ledger import Ledger, ResourceKey
from adapter.sync.push.failures import stops_the_run
from adapter.sync.push.verify import verify

__all__ = [
    "MARKER_TYPE",
    "ServerCheck",
    "check_server",
    "marker_body",
    "marker_id",
    "record_marker",
    "touch_marker",
]

log = logging.getLogger("adapter.sync.push")

MARKER_TYPE: Final = "Basic"
_CODE_SYSTEM: Final = f"{CANONICAL_BASE}/marker"
_WRITE_SYSTEM: Final = f"{CANONICAL_BASE}/marker-write"

State = Literal["new", "same", "unverified", "lost", "older", "unsupported", "adopt"]


@dataclass(frozen=True)
class ServerCheck:
    """What the check before a push found: the marker's state, and how many claimed resources
    it found missing (and forgot) when it had to verify."""

    state: State
    verified: int = 0
    forgotten: int = 0

    @property
    def suspicious(self) -> bool:
        return self.state in ("unverified", "lost", "older")


def marker_id(namespace: str | None) -> str:
    return resource_id("installation", "marker", namespace=namespace)


def _setting(server: str) -> str:
    return f"marker|{server}"


async def check_server(client: FHIRClient, ledger: Ledger, namespace: str | None) -> ServerCheck:
    """Read the marker and, if the server lost or rewound data, verify and forget what is gone."""
    server = client.base.url
    recorded = await asyncio.to_thread(ledger.get_setting, _setting(server))
    key = ResourceKey(MARKER_TYPE, marker_id(namespace))
    try:
        # Where the server assigns ids, a new ledger finds the marker by its tag first.
        await find_server_ids(client, [key])
        found = await client.read(*key)
        version: str | None = str((found.get("meta") or {}).get("versionId", ""))
    except ResourceNotFound:  # 410 Gone is a ResourceNotFound too
        version = None
    except FHIRError as exc:
        # Credentials refused outright: nothing else would succeed either. A 403 may only mean
        # that this client's scopes leave out Basic: the check is skipped, the push goes on.
        if stops_the_run(exc) and getattr(exc, "status", None) != 403:
            raise
        log.warning("server check skipped: the server refused the marker (%s)", type(exc).__name__)
        return ServerCheck("unsupported")
    state = _state(recorded, version)
    if state == "new" and await _has_claims(ledger, server):
        state = "unverified"
    elif state == "new" and version is not None:
        # The server holds this installation's marker but this ledger never recorded it: a new
        # or lost ledger. Each case's resources are read back before its first write here and
        # adopted (adapter.sync.push.adopt), so nothing is written twice or blindly.
        log.warning(
            "%s already holds this installation's data and this ledger is new: adopting what "
            "the server holds, case by case, before writing",
            server,
        )
        await asyncio.to_thread(ledger.set_setting, _setting(server), version)
        return ServerCheck("adopt")
    if state in ("new", "same"):
        return ServerCheck(state)
    log.warning(
        "the ledger may not match %s (%s): reading back what it claims before trusting it",
        server,
        _WHY[state],
    )
    report = await verify(client, ledger, namespace=namespace)
    # Gone, or back at a version older than this adapter wrote (a restore undid the later
    # writes): either way the ledger's claim is false and the case must send it again.
    lost = [key for check in report.cases for key in (*check.missing, *check.older)]
    if lost:
        await asyncio.to_thread(ledger.forget, server, lost)
        log.warning(
            "%d of %d resources the ledger claimed are not on the server as written; their "
            "cases will send them again",
            len(lost),
            report.resources,
        )
    return ServerCheck(state, report.resources, len(lost))


async def touch_marker(client: FHIRClient, ledger: Ledger, namespace: str | None) -> None:
    """Write the marker again and record its new version (after a run that wrote something).

    A run whose only write was one case's transaction wrote the marker inside it already
    (:mod:`adapter.sync.push.ride`) and does not call this."""
    try:
        written = await client.update(marker_body(namespace), prefer="minimal")
    except FHIRError as exc:
        log.warning("could not write the server marker (%s)", type(exc).__name__)
        return
    if written.version_id is not None:
        await record_marker(ledger, client.base.url, written.version_id)


def marker_body(namespace: str | None) -> dict[str, Any]:
    """The marker as written now. Each write carries a new token: HAPI stores an identical PUT
    as no change, and a marker whose version never moved could not tell a restored server
    from the current one."""
    body: dict[str, Any] = {
        "resourceType": MARKER_TYPE,
        "id": marker_id(namespace),
        "identifier": [{"system": _WRITE_SYSTEM, "value": uuid.uuid4().hex}],
        "code": {"coding": [{"system": _CODE_SYSTEM, "code": "installation"}]},
    }
    if namespace is not None:
        body["meta"] = {"tag": [namespace_tag(namespace)]}
    return body


async def record_marker(ledger: Ledger, server: str, version: str) -> None:
    """The marker's version the server answered with, as the one to expect next time."""
    await asyncio.to_thread(ledger.set_setting, _setting(server), version)


_WHY: Final = {
    "unverified": "no marker recorded yet for a ledger that has claims",
    "lost": "the marker is gone: reset, purged or deleted",
    "older": "the marker is older than recorded: restored from a backup",
}


def _state(recorded: str | None, version: str | None) -> State:
    if recorded is None:
        return "new"
    if version is None:
        return "lost"
    if version.isdigit() and recorded.isdigit() and int(version) < int(recorded):
        return "older"
    return "same"


async def _has_claims(ledger: Ledger, server: str) -> bool:
    counts = await asyncio.to_thread(ledger.counts, server)
    return bool(counts.entries_by_type)

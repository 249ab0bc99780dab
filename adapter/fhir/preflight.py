"""``adapter ping`` as a preflight: learn what a server can do, once, without touching its data.

The CapabilityStatement says what the server claims; harmless probes find out what it does:
tiny ``Basic`` resources under a random identifier, tagged for this installation's namespace
(or as preflight probes), each deleted again at the end, and reads that change nothing. One
attempt each: the profile says what the server does now. See :class:`ServerProfile`.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from adapter.errors import FHIRStatusError, ResponseError
from adapter.fhir.client import FHIRClient
from adapter.fhir.outcome import words
from adapter.fhir.preflight_bundles import ProbeSpace, probe_atomic, probe_size
from adapter.fhir.results import WriteResult
from adapter.fhir.server_profile import PROBE_SIZES, ServerProfile
from adapter.fhir.write_probe import WriteProbe, probe_write

__all__ = ["declared_abilities", "learn_profile", "writable_types"]

Finding = tuple[bool | None, str]
_TYPES = ("EpisodeOfCare", "CarePlan", "Goal", "Task")


def declared_abilities(statement: Mapping[str, Any]) -> dict[str, bool]:
    """What the CapabilityStatement claims: system interactions, per case type its history and
    ``identifier`` search, and conditional create/update on ``Basic`` (the probes' type)."""
    rests = [r for r in statement.get("rest") or [] if r.get("mode", "server") == "server"]
    system = {i.get("code") for r in rests for i in r.get("interaction") or []}
    found = {code: code in system for code in ("transaction", "batch", "history-system")}
    types = {res.get("type"): res for r in rests for res in r.get("resource") or []}
    for kind in _TYPES:
        resource = types.get(kind) or {}
        codes = {i.get("code") for i in resource.get("interaction") or []}
        params = {p.get("name") for p in resource.get("searchParam") or []}
        found[f"{kind}.history-type"] = "history-type" in codes
        found[f"{kind}.identifier"] = "identifier" in params
    basic = types.get("Basic") or {}
    found["Basic.conditionalCreate"] = bool(basic.get("conditionalCreate"))
    found["Basic.conditionalUpdate"] = bool(basic.get("conditionalUpdate"))
    return found


def writable_types(statement: Mapping[str, Any]) -> list[str]:
    """The resource types the CapabilityStatement declares ``update`` for, sorted."""
    rests = [r for r in statement.get("rest") or [] if r.get("mode", "server") == "server"]
    return sorted(
        str(res.get("type"))
        for r in rests
        for res in r.get("resource") or []
        if any(i.get("code") == "update" for i in res.get("interaction") or [])
    )


async def learn_profile(
    client: FHIRClient,
    statement: Mapping[str, Any],
    *,
    tags: Sequence[Mapping[str, str]],
    sizes: Sequence[int] = PROBE_SIZES,
    write: WriteProbe | None = None,
) -> tuple[ServerProfile, list[str]]:
    """Probe the server and return its profile, and what the clean-up could not delete
    (``write``: the write probe's answer when the caller already asked)."""
    software = statement.get("software") or {}
    write = write or await probe_write(client)
    found: dict[str, Any] = {"write": write.verdict}
    details = {"write": write.detail}
    space = ProbeSpace(client, tags)
    try:
        if write.verdict != "refused":
            await _write_probes(space, sizes, found, details)
        for name, kind in (("history_system", None), ("history_type", "Task")):
            pages = client.history_pages(kind, count=1, no_cache=True)
            found[name], details[name] = await _read_probe(pages)
        found["validate"], details["validate"] = await _validate(space)
        found["identifier_search_types"] = await _identifier_search_types(space)
    finally:
        left = await space.clean()
    profile = ServerProfile(
        server=client.base.url,
        fhir_version=statement.get("fhirVersion"),
        software_name=software.get("name"),
        software_version=software.get("version"),
        learned_at=datetime.now(UTC).isoformat(timespec="seconds"),
        declared=declared_abilities(statement),
        writable_types=writable_types(statement),
        details=details,
        **found,
    )
    return profile, left


async def _write_probes(
    space: ProbeSpace, sizes: Sequence[int], found: dict[str, Any], details: dict[str, str]
) -> None:
    checks: dict[str, Callable[[], Awaitable[Finding]]] = {
        "transaction": lambda: _bundle(space, "transaction"),
        "identifier_search": lambda: _identifier_search(space),
        "batch": lambda: _bundle(space, "batch"),
        "conditional_create": lambda: _conditional_create(space),
        "conditional_update": lambda: _conditional_update(space),
        "client_ids": lambda: _client_ids(space),
    }
    for name, check in checks.items():
        found[name], details[name] = await check()
    if found["write"] == "unknown" and (found["transaction"] or found["batch"]):
        found["write"] = "allowed"
        details["write"] = f"probe resources were written ({details['write']})"
    if not found["transaction"]:
        return
    found["atomic"], details["atomic"] = await probe_atomic(space)
    size = await probe_size(space, sizes)
    found["max_transaction_entries"], found["largest_probed"] = size.cap, size.largest
    details["max_transaction_entries"] = size.detail


def _refused(exc: FHIRStatusError) -> Finding:
    said = words(exc.outcome)
    return False, f"HTTP {exc.status}" + (f": {said}" if said else "")


async def _bundle(space: ProbeSpace, kind: str) -> Finding:
    try:
        call = space.client.transaction if kind == "transaction" else space.client.batch
        result = await call(space.bundle(kind, [kind]))
    except FHIRStatusError as exc:
        return _refused(exc)
    for entry in result.entries:
        space.keep(entry.resource_type, entry.id)
    if result.failed:
        return False, f"entry refused with HTTP {result.failed[0][1].status}"
    return True, f"a 1-entry {kind} was taken"


async def _identifier_search(space: ProbeSpace) -> Finding:
    if not space.created:
        return None, "nothing was written to search for"
    try:
        ids = await space.find("transaction")
    except FHIRStatusError as exc:
        return _refused(exc)
    if ids == [space.created[0][1]]:
        return True, "Basic?identifier= found the probe resource"
    return False, f"Basic?identifier= found {len(ids)} resources instead of the probe resource"


async def _identifier_search_types(space: ProbeSpace) -> dict[str, bool]:
    """Per case resource type: does ``?identifier=`` (matching nothing) get a searchset?"""
    taken: dict[str, bool] = {}
    for kind in _TYPES:
        pages = space.client.search_pages(kind, {"identifier": space.token(kind), "_count": "1"})
        taken[kind] = (await _read_probe(pages))[0] is True
    return taken


async def _conditional_create(space: ProbeSpace) -> Finding:
    async def create(match: dict[str, str]) -> WriteResult:
        return await space.client.create(space.basic("cc"), if_none_exist=match)

    return await _twice(
        space,
        "cc",
        create,
        ok="a second If-None-Exist create returned the first resource",
        not_ok="If-None-Exist was ignored: a second resource was created",
    )


async def _conditional_update(space: ProbeSpace) -> Finding:
    async def update(match: dict[str, str]) -> WriteResult:
        return await space.client.conditional_update(space.basic("cu"), match)

    return await _twice(
        space,
        "cu",
        update,
        ok="PUT Basic?identifier= created, then updated the same resource",
        not_ok="a second conditional update created another resource",
    )


async def _twice(
    space: ProbeSpace,
    name: str,
    write: Callable[[dict[str, str]], Awaitable[WriteResult]],
    *,
    ok: str,
    not_ok: str,
) -> Finding:
    """A conditional write on the identifier of probe ``name``, twice: the second must find
    the first resource instead of making another."""
    match = {"identifier": space.token(name)}
    try:
        first = await write(match)
        space.keep(first.resource_type, first.id)
        again = await write(match)
        space.keep(again.resource_type, again.id)
    except FHIRStatusError as exc:
        return _refused(exc)
    return (True, ok) if again.id == first.id and not again.created else (False, not_ok)


async def _client_ids(space: ProbeSpace) -> Finding:
    new_id = f"cm-preflight-{uuid.uuid4().hex[:20]}"
    try:
        written = await space.client.update({**space.basic("client-id"), "id": new_id})
    except FHIRStatusError as exc:
        return _refused(exc)
    space.keep("Basic", new_id)
    return written.id == new_id, f"PUT Basic/{new_id} answered HTTP {written.status}"


async def _read_probe(pages: Any) -> Finding:
    try:
        page = await anext(pages)
    except FHIRStatusError as exc:
        return _refused(exc)
    except ResponseError as exc:
        return False, str(exc)
    finally:
        await pages.aclose()
    kind = page.get("type")
    return page.get("resourceType") == "Bundle", f"a Bundle ({kind}) was returned"


async def _validate(space: ProbeSpace) -> Finding:
    try:
        result = await space.client.validate(space.basic("validate"))
    except FHIRStatusError as exc:
        return _refused(exc)
    return True, f"$validate answered HTTP {result.status} with an OperationOutcome"

"""Writing to a server that assigns ids itself (``ADAPTER_FHIR_ID_STRATEGY=server``).

Production EHR-style servers refuse client-assigned ids: a PUT to a new ``Type/id`` cannot
create. The sync engine still speaks only the adapter's deterministic ids; a
:class:`ServerIdClient` stands between it and the server and translates at the wire
(:class:`adapter.sync.idmap.IdMap`, kept in the ledger per server):

- a write with If-Match (the ledger knows the resource) is ``PUT Type/<server id>``;
- any other write of a resource with the adapter's business identifier is a conditional update,
  ``PUT Type?identifier=<system>|<value>``: it creates the resource when the server holds none
  (the server picks the id), updates it when it does (a lost ledger, a split's second landing),
  and stores an identical body as no change. A resource without an identifier (Provenance) is
  a ``POST``;
- inside a transaction, references to a resource the same transaction creates are its
  ``fullUrl`` (``urn:uuid:...``), which the server rewrites to the id it assigns; references
  to resources the server already named are by the server's id.

Every id the server assigns is read from its answer, checked (the type sent, one id per
resource of ours, never an id that already belongs to another of ours, the adapter's own
identifier when the server returns the resource) and recorded in the ledger before anything
is built on it. What is read (reads, searches, history) is translated back, so verify, merges,
adoption and pulls see the deterministic ids.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import AsyncExitStack
from typing import Any, Protocol

from adapter.errors import ResourceNotFound, ResponseError
from adapter.fhir.client import BundleResult, FHIRClient, Params, Prefer
from adapter.fhir.results import EntryResult, WriteResult
from adapter.sync.id_translation import local_page, localized, server_id, server_params
from adapter.sync.idmap import IdMap, criteria_of, entry_key, is_conditional, rewrite_references
from adapter.sync.ledger.records import ResourceKey
from adapter.sync.resources import reference_key

__all__ = ["ServerIdClient", "with_server_ids"]

Resource = dict[str, Any]


class _Store(Protocol):
    def server_ids(self, server: str) -> dict[ResourceKey, str]: ...

    def record_server_ids(self, server: str, pairs: Sequence[tuple[ResourceKey, str]]) -> None: ...

    def server_ids_of(self, server: str, keys: Iterable[ResourceKey]) -> dict[ResourceKey, str]: ...


async def with_server_ids(client: FHIRClient, ledger: _Store) -> FHIRClient:
    """``client`` itself where the adapter's ids are used; where the server assigns ids
    (``client.server_ids``), a :class:`ServerIdClient` with the ledger's ids for that server."""
    if isinstance(client, ServerIdClient) or not client.server_ids:
        return client
    known = await asyncio.to_thread(ledger.server_ids, client.base.url)
    return ServerIdClient(client, ledger, IdMap(known))


class ServerIdClient(FHIRClient):
    """The same client, speaking deterministic ids to its caller and the server's to the server.

    Shares the wrapped client's connection pool, limits and retry policy."""

    def __init__(self, inner: FHIRClient, ledger: _Store, ids: IdMap) -> None:
        vars(self).update(vars(inner))
        self.ids = ids
        self._ledger = ledger
        self._lock = asyncio.Lock()  # one ledger write of new ids at a time, checked first
        self._writing: dict[ResourceKey, asyncio.Lock] = {}

    # -- reading: the server's ids back to ours --------------------------------------------

    async def read(self, resource_type: str, resource_id: str) -> Resource:
        found = await super().read(resource_type, self._id(resource_type, resource_id))
        return self.ids.to_local(found)

    async def vread(self, resource_type: str, resource_id: str, version_id: str) -> Resource:
        found = await super().vread(resource_type, self._id(resource_type, resource_id), version_id)
        return self.ids.to_local(found)

    async def search_pages(
        self, resource_type: str, params: Params | None = None, *, no_cache: bool = False
    ) -> AsyncIterator[Resource]:
        outbound = server_params(self.ids, resource_type, params)
        async for page in super().search_pages(resource_type, outbound, no_cache=no_cache):
            yield local_page(self.ids, page)

    async def history_pages(
        self,
        resource_type: str | None = None,
        resource_id: str | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[Resource]:
        named = self._id(resource_type, resource_id) if resource_type and resource_id else None
        async for page in super().history_pages(resource_type, named or resource_id, **kwargs):
            yield local_page(self.ids, page)

    async def delete(self, resource_type: str, resource_id: str) -> WriteResult:
        result = await super().delete(resource_type, self._id(resource_type, resource_id))
        return localized(self.ids, result, ResourceKey(resource_type, resource_id))

    # -- writing: ours to the server's --------------------------------------------------------

    async def update(
        self,
        resource: Mapping[str, Any],
        *,
        if_match: str | int | None = None,
        prefer: Prefer = "representation",
    ) -> WriteResult:
        """A single write of one of ours: by the server's id when it named the resource, else
        a conditional update by identifier (or a create)."""
        key = ResourceKey(str(resource["resourceType"]), str(resource["id"]))
        body = self.ids.to_server(resource)
        if "id" in body:
            try:
                written = await super().update(body, if_match=if_match, prefer=prefer)
                return localized(self.ids, written, key)
            except ResourceNotFound:  # the server lost it: create it again
                body.pop("id")
        criteria = criteria_of(resource)
        if criteria is None:
            written = await super().create(body, prefer=prefer)
        else:
            written = await super().conditional_update(body, criteria, prefer=prefer)
        await self._learn([(key, written, criteria)])
        return localized(self.ids, written, key)

    async def transaction(self, bundle: Mapping[str, Any]) -> BundleResult:
        entries = [e for e in bundle.get("entry") or [] if isinstance(e, Mapping)]
        keys = [entry_key(entry) for entry in entries]
        # Two cases of one client write its Patient at once: the second waits for the first's
        # answer, so it is not created twice (one conditional update at a time per resource).
        await self._catch_up(entries, keys)
        async with AsyncExitStack() as held:
            for key in sorted({k for k in keys if k is not None}):
                await held.enter_async_context(self._writing.setdefault(key, asyncio.Lock()))
            pending = {
                f"{key[0]}/{key[1]}": str(entry.get("fullUrl"))
                for key, entry in zip(keys, entries, strict=True)
                if key is not None and not self._by_id(entry, key) and entry.get("fullUrl")
            }
            sent = [self._outbound(e, k, pending) for e, k in zip(entries, keys, strict=True)]
            answer = await super().transaction({**bundle, "entry": sent})
            named = [
                (key, result, criteria_of(entry["resource"]))
                for key, entry, result in zip(keys, sent, answer.entries, strict=True)
                if key is not None
                and (entry["request"]["method"] == "POST" or is_conditional(entry))
            ]
            await self._learn(named)
        ours = [
            localized(self.ids, result, key) if key is not None else result
            for key, result in zip(keys, answer.entries, strict=True)
        ]
        return BundleResult(answer.bundle, ours)

    async def _catch_up(
        self, entries: Sequence[Mapping[str, Any]], keys: Sequence[ResourceKey | None]
    ) -> None:
        """Ids this client has not seen that the ledger may hold: another worker on the same
        ledger (docs/scale.md) named them since this run read the ledger's ids."""
        wanted = {key for key in keys if key is not None}

        def note(text: str) -> str | None:
            if (found := reference_key(text)) is not None:
                wanted.add(ResourceKey(*found.split("/", 1)))
            return None

        for entry in entries:
            rewrite_references(entry.get("resource"), note)
        missing = [key for key in wanted if self.ids.server_id(key) is None]
        if missing:
            found = await asyncio.to_thread(self._ledger.server_ids_of, self.base.url, missing)
            self.ids.add_all(found.items())

    def _outbound(
        self, entry: Mapping[str, Any], key: ResourceKey | None, pending: Mapping[str, str]
    ) -> dict[str, Any]:
        request = dict(entry.get("request") or {})
        resource = entry.get("resource")
        out = dict(entry)
        if key is None:
            return out
        if request.get("method") == "DELETE":
            request["url"] = f"{key[0]}/{self._id(*key)}"
            return {**out, "request": request}
        if not isinstance(resource, Mapping) or request.get("method") != "PUT":
            return out
        body = self.ids.to_server(resource, pending=pending)
        if self._by_id(entry, key):
            request["url"] = f"{key[0]}/{body['id']}"
        else:
            body.pop("id", None)
            request.pop("ifMatch", None)
            criteria = criteria_of(resource)
            if criteria is None:
                request = {"method": "POST", "url": key[0]}
            else:
                request = {"method": "PUT", "url": f"{key[0]}?{criteria}"}
        return {**out, "resource": body, "request": request}

    def _by_id(self, entry: Mapping[str, Any], key: ResourceKey) -> bool:
        """Written by the server's id: a known version (If-Match), or nothing to find it by;
        otherwise by identifier (or id tag), which also finds it when the ledger is behind."""
        if self.ids.server_id(key) is None:
            return False
        request = entry.get("request") or {}
        resource = entry.get("resource")
        return bool(request.get("ifMatch")) or (
            isinstance(resource, Mapping) and criteria_of(resource) is None
        )

    # -- what the server named ----------------------------------------------------------------

    async def _learn(
        self, named: Sequence[tuple[ResourceKey, EntryResult | WriteResult, str | None]]
    ) -> None:
        """Check the ids the server gave our resources and record them before they are used:
        the type sent, an id, no id that already belongs to another of ours, and our own
        identifier on the resource when the server returns it (``criteria``: as sent)."""
        url = self.base.url
        async with self._lock:
            seen: dict[tuple[str, str], ResourceKey] = {}
            pairs: list[tuple[ResourceKey, str]] = []
            for key, result, criteria in named:
                server_id, where = result.id, f"{key[0]} written by identifier"
                problem = None
                if not server_id or result.resource_type != key[0]:
                    problem = f"the answer names no {key[0]} id"
                elif (
                    self.ids.owner(key[0], server_id) or seen.get((key[0], server_id), key)
                ) != key:
                    problem = "the server named an id that belongs to another of our resources"
                elif result.resource is not None and criteria_of(result.resource) != criteria:
                    problem = "the server returned a resource without the identifier sent"
                if problem is not None or not server_id:
                    raise ResponseError(f"{where}: {problem}", method="POST", url=url)
                seen[(key[0], server_id)] = key
                if self.ids.server_id(key) != server_id:
                    pairs.append((key, server_id))
            if pairs:
                await asyncio.to_thread(self._ledger.record_server_ids, url, pairs)
                self.ids.add_all(pairs)

    async def remember(self, pairs: Sequence[tuple[ResourceKey, str]]) -> None:
        """Record server ids found by a search for our identifiers
        (:mod:`adapter.sync.id_discovery`), but never one that belongs to another of ours."""
        async with self._lock:
            fresh = [
                (key, server_id)
                for key, server_id in pairs
                if self.ids.owner(key[0], server_id) in (None, key)
                and self.ids.server_id(key) != server_id
            ]
            if fresh:
                await asyncio.to_thread(self._ledger.record_server_ids, self.base.url, fresh)
                self.ids.add_all(fresh)

    def _owner(
        self, kind: str, server_id: str, seen: Mapping[tuple[str, str], ResourceKey]
    ) -> ResourceKey | None:
        return self.ids.owner(kind, server_id) or seen.get((kind, server_id))

    # -- helpers ------------------------------------------------------------------------------

    def _id(self, resource_type: str, resource_id: str) -> str:
        return server_id(self.ids, resource_type, resource_id)

"""The FHIR REST client: one object around one injected, pooled ``httpx.AsyncClient``.

Resources cross it as plain JSON dicts; the mapping layer does the model work. This module holds
the FHIR interactions (read, search, history, writes, bundles, validate) and checks every answer
against the request; building, sending, retrying and paging are :mod:`adapter.fhir.exchange`'s.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Unpack

import httpx

from adapter.errors import FHIRStatusError, InputError, ResponseError
from adapter.fhir.answers import Asked, check_bundle_answer, check_write
from adapter.fhir.exchange import FHIR_JSON, Exchange, ExchangeOptions, Params, query_string
from adapter.fhir.results import EntryResult, ValidationResult, WriteResult
from adapter.fhir.retry import bundle_is_idempotent
from adapter.fhir.transport import parse_json

__all__ = ["FHIR_JSON", "BundleResult", "FHIRClient", "Params", "Prefer"]

Prefer = Literal["minimal", "representation", "OperationOutcome"]
Resource = dict[str, Any]


@dataclass(frozen=True)
class BundleResult:
    """A transaction or batch answer: the response Bundle and one result per entry, in order."""

    bundle: Resource
    entries: list[EntryResult]

    @property
    def failed(self) -> list[tuple[int, EntryResult]]:
        """(index, result) of each failed entry (batch only: a transaction fails as a whole)."""
        return [(i, e) for i, e in enumerate(self.entries) if not e.ok]


class FHIRClient(Exchange):
    """Async FHIR R4 REST client. Owns no connection pool: the caller closes ``http``.

    ``options`` are the exchange's (:class:`adapter.fhir.exchange.ExchangeOptions`):
    ``deadline`` bounds each request from sending to the answer's last byte (seconds) and
    ``max_response_bytes`` the size of any answer read (see :class:`Transport`).
    ``max_transaction_entries`` is the server's transaction cap, for callers that split (None:
    no cap known). ``server_ids``: the server assigns ids, so the sync engine writes through
    :class:`adapter.sync.server_ids.ServerIdClient` (the client itself sends what it is given).
    ``atomic_transactions``: whether a failed transaction is known to have left
    nothing behind (False: the server may apply part of it, callers read back).
    ``resource_types``: the types to write to this server (None: every type).
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        *,
        max_transaction_entries: int | None = None,
        server_ids: bool = False,
        atomic_transactions: bool = True,
        resource_types: Collection[str] | None = None,
        **options: Unpack[ExchangeOptions],
    ) -> None:
        super().__init__(http, base_url, **options)
        self.max_transaction_entries = max_transaction_entries
        self.server_ids = server_ids
        self.atomic_transactions = atomic_transactions
        self.resource_types = frozenset(resource_types) if resource_types is not None else None

    async def capabilities(self) -> Resource:
        """The server's CapabilityStatement; ResponseError if the answer is not one."""
        statement = await self._json("GET", self.base.join("metadata"))
        if statement.get("resourceType") != "CapabilityStatement":
            raise ResponseError(
                f"expected a CapabilityStatement, got {statement['resourceType']}",
                method="GET",
                url=self.base.join("metadata"),
            )
        return statement

    async def read(self, resource_type: str, resource_id: str) -> Resource:
        return await self._json("GET", self.base.join(resource_type, resource_id))

    async def vread(self, resource_type: str, resource_id: str, version_id: str) -> Resource:
        url = self.base.join(resource_type, resource_id, "_history", version_id)
        return await self._json("GET", url)

    async def search_pages(
        self, resource_type: str, params: Params | None = None, *, no_cache: bool = False
    ) -> AsyncIterator[Resource]:
        """Every searchset Bundle page, following ``next`` links inside the base URL only.

        ``no_cache`` sends ``Cache-Control: no-cache`` so the search sees just-written data
        (HAPI otherwise reuses identical searches' results for up to a minute).
        """
        headers = {"Cache-Control": "no-cache"} if no_cache else {}
        async for page in self._pages(self.base.join(resource_type), params, headers):
            yield page

    async def search(
        self, resource_type: str, params: Params | None = None, *, no_cache: bool = False
    ) -> AsyncIterator[Resource]:
        """Every matching resource across all pages (included resources are skipped)."""
        async for page in self.search_pages(resource_type, params, no_cache=no_cache):
            for entry in page.get("entry") or []:
                if (entry.get("search") or {}).get("mode", "match") == "match":
                    yield entry["resource"]

    async def history(
        self,
        resource_type: str | None = None,
        resource_id: str | None = None,
        *,
        since: datetime | str | None = None,
        count: int | None = None,
    ) -> AsyncIterator[Resource]:
        """History entries (``fullUrl``, ``request.method``, ``resource`` unless a delete), newest
        first, across all pages; system, type or instance level depending on the arguments."""
        pages = self.history_pages(resource_type, resource_id, since=since, count=count)
        async for page in pages:
            for entry in page.get("entry") or []:
                yield entry

    async def history_pages(
        self,
        resource_type: str | None = None,
        resource_id: str | None = None,
        *,
        since: datetime | str | None = None,
        count: int | None = None,
        no_cache: bool = False,
    ) -> AsyncIterator[Resource]:
        """Every history Bundle page, as :meth:`history` reads them. The first page's
        ``meta.lastUpdated`` is the server's time of the query: an incremental reader's watermark.
        """
        params: dict[str, str] = {}
        if since is not None:
            params["_since"] = since.isoformat() if isinstance(since, datetime) else since
        if count is not None:
            params["_count"] = str(count)
        headers = {"Cache-Control": "no-cache"} if no_cache else {}
        url = self.base.join(resource_type or "", resource_id or "", "_history")
        async for page in self._pages(url, params, headers):
            if page.get("resourceType") != "Bundle" or page.get("type") != "history":
                # A server without this history route may answer a search for a type named
                # "_history" (an empty searchset): never read that as "no changes".
                said = f"{page.get('resourceType')} ({page.get('type')})"
                raise ResponseError(
                    f"the server answered a _history request with {said}, not a history Bundle",
                    method="GET",
                    url=url,
                )
            yield page

    async def create(
        self,
        resource: Mapping[str, Any],
        *,
        if_none_exist: Params | str | None = None,
        prefer: Prefer = "representation",
    ) -> WriteResult:
        """POST a new resource. With ``if_none_exist`` (e.g. ``{"identifier": "sys|val"}``) the
        server returns the existing match instead (200), which also makes a retry safe; a plain
        create is never repeated after an ambiguous failure."""
        headers = {"Prefer": f"return={prefer}"}
        if if_none_exist is not None:
            headers["If-None-Exist"] = query_string(if_none_exist)
        kind = _type_of(resource)
        return await self._write(
            Asked("POST", kind, None),
            self.base.join(kind),
            resource,
            headers,
            idempotent=if_none_exist is not None,
        )

    async def update(
        self,
        resource: Mapping[str, Any],
        *,
        if_match: str | int | None = None,
        prefer: Prefer = "representation",
    ) -> WriteResult:
        """PUT by id. ``if_match`` (a versionId or an ETag) makes a stale write fail with
        VersionConflict instead of overwriting someone else's change."""
        headers = {"Prefer": f"return={prefer}"}
        if if_match is not None:
            headers["If-Match"] = _etag(if_match)
        if not resource.get("id"):
            raise InputError(record=_type_of(resource), field="id", reason="update needs an id")
        asked = Asked("PUT", _type_of(resource), str(resource["id"]))
        url = self.base.join(asked.resource_type or "", str(resource["id"]))
        return await self._write(asked, url, resource, headers, idempotent=True)

    async def conditional_update(
        self,
        resource: Mapping[str, Any],
        criteria: Params | str,
        *,
        prefer: Prefer = "representation",
    ) -> WriteResult:
        """PUT ``Type?criteria``: creates when nothing matches, updates one match, and fails with
        AmbiguousMatch (412) when several do."""
        kind = _type_of(resource)
        url = f"{self.base.join(kind)}?{query_string(criteria)}"
        return await self._write(
            Asked("PUT", kind, None), url, resource, {"Prefer": f"return={prefer}"}, idempotent=True
        )

    async def delete(self, resource_type: str, resource_id: str) -> WriteResult:
        """DELETE by id; deleting what is already gone succeeds (deletes are idempotent)."""
        url = self.base.join(resource_type, resource_id)
        response = await self._request("DELETE", url)
        result = WriteResult.from_response(response, _body_or_none(response))
        return check_write(Asked("DELETE", resource_type, resource_id), result, url=url)

    async def transaction(self, bundle: Mapping[str, Any]) -> BundleResult:
        """POST a ``transaction`` Bundle: all entries commit or none; ``urn:uuid`` refs resolve."""
        return await self._bundle(bundle, "transaction")

    async def batch(self, bundle: Mapping[str, Any]) -> BundleResult:
        """POST a ``batch`` Bundle: entries succeed or fail one by one (``BundleResult.failed``)."""
        return await self._bundle(bundle, "batch")

    async def validate(
        self, resource: Mapping[str, Any], *, profile: str | None = None
    ) -> ValidationResult:
        """``$validate``: the OperationOutcome, also when the server sends it with 400/412/422."""
        params = {"profile": profile} if profile else None
        url = self.base.join(_type_of(resource), "$validate")
        try:
            response = await self._request("POST", url, body=resource, params=params)
        except FHIRStatusError as exc:
            if exc.status in (400, 412, 422) and exc.outcome is not None:
                return ValidationResult(outcome=exc.outcome, status=exc.status)
            raise
        return ValidationResult(outcome=parse_json(response), status=response.status_code)

    async def _bundle(self, bundle: Mapping[str, Any], kind: str) -> BundleResult:
        if bundle.get("resourceType") != "Bundle" or bundle.get("type") != kind:
            raise InputError(record="Bundle", field="type", reason=f"a {kind} Bundle is required")
        response = await self._request(
            "POST", self.base.url, body=bundle, idempotent=bundle_is_idempotent(bundle)
        )
        answer = parse_json(response)
        return BundleResult(answer, check_bundle_answer(bundle, answer, kind, url=self.base.url))

    async def _write(
        self,
        asked: Asked,
        url: str,
        resource: Mapping[str, Any],
        headers: dict[str, str],
        *,
        idempotent: bool,
    ) -> WriteResult:
        response = await self._request(
            asked.method, url, body=resource, headers=headers, idempotent=idempotent
        )
        result = WriteResult.from_response(response, _body_or_none(response))
        return check_write(asked, result, url=url)


def _type_of(resource: Mapping[str, Any]) -> str:
    kind = resource.get("resourceType")
    if not isinstance(kind, str) or not kind:
        raise InputError(record="resource", field="resourceType", reason="missing")
    return kind


def _etag(version: str | int) -> str:
    text = str(version)
    return text if text.startswith(('W/"', '"')) else f'W/"{text}"'


def _body_or_none(response: httpx.Response) -> Resource | None:
    return parse_json(response) if response.content.strip() else None

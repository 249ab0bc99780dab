"""The request core under the FHIR client: headers, bodies, the retry layer, paging.

Every request of :class:`adapter.fhir.client.FHIRClient` goes through :meth:`Exchange._request`:
built here, sent through the one error seam (:mod:`adapter.fhir.transport`, which holds the send
window) and repeated only as :mod:`adapter.fhir.retry` allows.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, TypedDict

import httpx

from adapter.errors import ResponseTooLarge
from adapter.fhir import json_body
from adapter.fhir.ratelimit import RateLimiter
from adapter.fhir.retry import RetryPolicy, call_with_retries
from adapter.fhir.transport import Transport, parse_json, status_error
from adapter.fhir.urls import BaseURL
from adapter.fhir.window import SendWindow
from adapter.settings import DEFAULT_MAX_RESPONSE_BYTES, TimeoutSettings

__all__ = ["FHIR_JSON", "Exchange", "ExchangeOptions", "Params", "query_string"]

FHIR_JSON = "application/fhir+json"
Params = Mapping[str, str | Sequence[str]] | Sequence[tuple[str, str]]
Resource = dict[str, Any]
Headers = Mapping[str, str] | None


class ExchangeOptions(TypedDict, total=False):
    """How requests go to the server: retries, parallelism, rate, patience, answer size."""

    policy: RetryPolicy | None
    max_concurrency: int
    adaptive_concurrency: bool
    rate_limiter: RateLimiter | None
    deadline: float
    max_response_bytes: int


class Exchange:
    """Requests to one server through one injected, pooled ``httpx.AsyncClient``."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        *,
        policy: RetryPolicy | None = None,
        max_concurrency: int = 8,
        adaptive_concurrency: bool = False,
        rate_limiter: RateLimiter | None = None,
        deadline: float = TimeoutSettings().total,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self.base = BaseURL(base_url)
        self.policy = policy or RetryPolicy()
        self._transport = Transport(
            http,
            self.base,
            max_concurrency=max_concurrency,
            adaptive=adaptive_concurrency,
            rate_limiter=rate_limiter,
            deadline=deadline,
            max_response_bytes=max_response_bytes,
        )
        self._http = http

    @property
    def window(self) -> SendWindow:
        """How many requests go to this server at once (fixed or adaptive)."""
        return self._transport.window

    async def send(
        self, method: str, url: str, *, params: Params | None = None, headers: Headers = None
    ) -> httpx.Response:
        """One request through the retry layer, the answer as it came: for operations that
        answer with no resource (Bulk Data's 202 kick-off and status polls)."""
        return await self._request(method, self.base.resolve(url), params=params, headers=headers)

    async def stream_lines(self, url: str, *, accept: str) -> AsyncIterator[str]:
        """The lines of an answer as they arrive (an NDJSON file of any size, never held whole;
        one line may not exceed the response size limit). Not retried: restart the caller."""
        absolute = self.base.resolve(url)
        headers = {"Accept": accept}
        async with self._http.stream("GET", absolute, headers=headers) as response:
            if response.is_error or not response.is_success:
                await response.aread()
                raise status_error(response, label=f"GET {self.base.resource_type(absolute)}")
            async for line in response.aiter_lines():
                if len(line) > self._transport.max_response_bytes:
                    raise ResponseTooLarge(
                        "an NDJSON line is larger than ADAPTER_FHIR_MAX_RESPONSE_BYTES",
                        limit=self._transport.max_response_bytes,
                        method="GET",
                        url=absolute,
                    )
                if line.strip():
                    yield line

    async def _pages(
        self, url: str, params: Params | None, headers: Mapping[str, str] | None = None
    ) -> AsyncIterator[Resource]:
        response = await self._request("GET", url, params=params, headers=headers)
        while True:
            page = parse_json(response)
            yield page
            links = page.get("link") or []
            link = next((ln["url"] for ln in links if ln.get("relation") == "next"), None)
            if not link:
                return
            response = await self._request("GET", self.base.resolve(link), paging=True)

    async def _json(self, method: str, url: str) -> Resource:
        return parse_json(await self._request(method, url))

    async def _request(
        self,
        method: str,
        url: str,
        *,
        params: Params | None = None,
        body: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool = True,
        paging: bool = False,
    ) -> httpx.Response:
        all_headers = {"Accept": FHIR_JSON, **(headers or {})}
        content = None
        if body is not None:
            content = json_body.dumps(body)
            all_headers["Content-Type"] = f"{FHIR_JSON}; charset=utf-8"

        # httpx replaces a URL's own query (a next link, conditional criteria) with ``params``.
        query = _query_params(params) if params else None

        async def once() -> httpx.Response:
            request = self._http.build_request(
                method, url, params=query, content=content, headers=all_headers
            )
            return await self._transport.send(request, paging=paging)

        return await call_with_retries(
            once,
            policy=self.policy,
            idempotent=idempotent,
            method=method,
            resource_type=self.base.resource_type(url),
        )


def query_string(criteria: Params | str) -> str:
    """Search criteria as a query string (conditional headers take them this way)."""
    return criteria if isinstance(criteria, str) else str(_query_params(criteria))


def _query_params(params: Params | None) -> httpx.QueryParams:
    pairs = params.items() if isinstance(params, Mapping) else params or ()
    items: list[tuple[str, str]] = []
    for key, value in pairs:
        items.extend([(key, value)] if isinstance(value, str) else [(key, v) for v in value])
    return httpx.QueryParams(tuple(items))

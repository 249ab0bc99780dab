"""The one seam where httpx meets the adapter: foreign exceptions and error statuses in, the
adapter's error tree out.

Nothing above this module sees an httpx exception, a JSON decode error or a raw error status.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from adapter.errors import (
    AccessDenied,
    AdapterError,
    AmbiguousMatch,
    DeadlineExceeded,
    FHIRError,
    FHIRStatusError,
    FHIRTransportError,
    InvalidResource,
    PagingExpired,
    RateLimited,
    ResourceGone,
    ResourceInUse,
    ResourceNotFound,
    ResponseError,
    ResponseTooLarge,
    ServerError,
    UnsafeURLError,
    VersionConflict,
)
from adapter.fhir import json_body
from adapter.fhir import outcome as oo
from adapter.fhir.ratelimit import RateLimiter
from adapter.fhir.urls import BaseURL
from adapter.fhir.window import SendWindow
from adapter.settings import DEFAULT_MAX_RESPONSE_BYTES, TimeoutSettings

__all__ = ["Transport", "map_exception", "parse_json", "retry_after_seconds", "status_error"]

#: Answers that say the server is overloaded: the send window halves (adapter/fhir/window.py).
_OVERLOAD = frozenset({429, 503})
_BODY_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})
_Factory = Callable[[str, str | None, str | None], FHIRError]


def _transport(*, sent: bool) -> _Factory:
    return lambda msg, method, url: FHIRTransportError(
        msg, method=method, url=url, request_sent=sent
    )


# Most specific class first is not needed: lookup walks the exception's MRO. Connect-phase
# failures never reached the server, so even a plain POST may be repeated after them.
_EXCEPTIONS: dict[type[BaseException], _Factory] = {
    httpx.ConnectTimeout: _transport(sent=False),
    httpx.ConnectError: _transport(sent=False),
    httpx.PoolTimeout: _transport(sent=False),
    httpx.TimeoutException: _transport(sent=True),
    httpx.NetworkError: _transport(sent=True),
    httpx.RemoteProtocolError: _transport(sent=True),
    httpx.ProxyError: _transport(sent=True),
    httpx.UnsupportedProtocol: lambda m, meth, u: UnsafeURLError(m, method=meth, url=u),
    httpx.InvalidURL: lambda m, meth, u: UnsafeURLError(m, method=meth, url=u),
    httpx.DecodingError: lambda m, meth, u: ResponseError(m, method=meth, url=u),
    httpx.TooManyRedirects: lambda m, meth, u: ResponseError(m, method=meth, url=u),
    httpx.HTTPError: lambda m, meth, u: FHIRError(m, method=meth, url=u),
    httpx.StreamError: lambda m, meth, u: FHIRError(m, method=meth, url=u),
    httpx.CookieConflict: lambda m, meth, u: FHIRError(m, method=meth, url=u),
    json.JSONDecodeError: lambda m, meth, u: ResponseError(m, method=meth, url=u),
}


def map_exception(exc: BaseException, *, method: str | None, url: str | None) -> FHIRError | None:
    """The adapter error for a foreign exception, or None when it is not one we translate."""
    for cls in type(exc).__mro__:
        factory = _EXCEPTIONS.get(cls)
        if factory is not None:
            detail = str(exc)[:120]
            message = f"{type(exc).__name__} during {method or 'request'}"
            return factory(f"{message}: {detail}" if detail else message, method, url)
    return None


class Transport:
    """Sends requests through one pooled client, at most ``max_concurrency`` at a time and, with
    a ``rate_limiter``, no faster than it allows. Each exchange, from sending to the answer's
    last byte, must end within ``deadline`` seconds, and no answer is read past
    ``max_response_bytes`` (declared or as it arrives): a trickling, endless or huge answer
    ends the request with a typed error instead of holding or growing the process."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        base: BaseURL,
        *,
        max_concurrency: int,
        adaptive: bool = False,
        rate_limiter: RateLimiter | None = None,
        deadline: float = TimeoutSettings().total,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self.http = http
        self.base = base
        self.max_concurrency = max_concurrency
        self.rate_limiter = rate_limiter
        self.deadline = deadline
        self.max_response_bytes = max_response_bytes
        self.window = SendWindow(max_concurrency, adaptive=adaptive)

    async def send(self, request: httpx.Request, *, paging: bool = False) -> httpx.Response:
        """Send and read the answer; any error status is raised as a typed FHIRStatusError."""
        url = str(request.url)
        if not self.base.contains(url):
            raise UnsafeURLError("refusing a URL outside the server's base URL", url=url)
        await self.window.acquire()
        overloaded = False
        try:
            if self.rate_limiter is not None:
                await self.rate_limiter.acquire()
            async with asyncio.timeout(self.deadline):
                response = await self._exchange(request)
            overloaded = response.status_code in _OVERLOAD
        except AdapterError:
            raise
        except TimeoutError as exc:  # asyncio.timeout's own: httpx's timeouts are not these
            overloaded = True
            raise DeadlineExceeded(
                f"{self.label(request)}: no complete answer within {self.deadline:g} s",
                deadline=self.deadline,
                method=request.method,
                url=url,
            ) from exc
        except Exception as exc:
            mapped = map_exception(exc, method=request.method, url=url)
            if mapped is None:
                raise
            overloaded = isinstance(mapped, FHIRTransportError)
            raise mapped from exc
        finally:
            self.window.release(overloaded=overloaded)
        if response.is_error:
            raise status_error(response, label=self.label(request), paging=paging)
        if response.is_redirect or not response.is_success:
            raise ResponseError(
                f"{self.label(request)}: HTTP {response.status_code} is not an answer "
                "(redirects are not followed)",
                method=request.method,
                url=url,
            )
        return response

    async def _exchange(self, request: httpx.Request) -> httpx.Response:
        """The answer, read as a stream and refused once it grows past the size limit."""
        response = await self.http.send(request, stream=True)
        try:
            declared = response.headers.get("content-length", "").strip()
            if declared.isdigit() and int(declared) > self.max_response_bytes:
                raise self._too_large(request, "declares")
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > self.max_response_bytes:
                    raise self._too_large(request, "grew to")
                chunks.append(chunk)
        finally:
            await response.aclose()
        # The body is decoded already: the rebuilt answer must not claim an encoding.
        headers = [(k, v) for k, v in response.headers.multi_items() if k not in _BODY_HEADERS]
        return httpx.Response(
            response.status_code,
            headers=headers,
            content=b"".join(chunks),
            request=request,
            extensions=response.extensions,
        )

    def _too_large(self, request: httpx.Request, how: str) -> ResponseTooLarge:
        return ResponseTooLarge(
            f"{self.label(request)}: the answer {how} more than "
            f"{self.max_response_bytes} bytes (ADAPTER_FHIR_MAX_RESPONSE_BYTES)",
            limit=self.max_response_bytes,
            method=request.method,
            url=str(request.url),
        )

    def label(self, request: httpx.Request) -> str:
        """``PUT Goal``: method and resource type, nothing identifying, fit for logs."""
        return f"{request.method} {self.base.resource_type(str(request.url))}"


def parse_json(response: httpx.Response) -> dict[str, Any]:
    """The body as a FHIR resource dict; anything else (HTML, a list, no resourceType) refused."""
    method, url = response.request.method, str(response.request.url)
    try:
        body = json_body.loads(response.content)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        # RecursionError: JSON nested deeper than the parser's stack (a hostile or broken body).
        kind = response.headers.get("content-type", "no content type")
        raise ResponseError(
            f"expected FHIR JSON, got {kind} (HTTP {response.status_code})", method=method, url=url
        ) from exc
    if not isinstance(body, dict) or not isinstance(body.get("resourceType"), str):
        raise ResponseError("answer is JSON but not a FHIR resource", method=method, url=url)
    return body


def status_error(response: httpx.Response, *, label: str, paging: bool = False) -> FHIRStatusError:
    """The typed error for an error status (see the table in adapter/fhir/retry.py)."""
    outcome = _outcome_or_none(response)
    codes = oo.server_codes(outcome)
    code = oo.primary_code(codes)
    request = response.request
    status = response.status_code
    kwargs: dict[str, Any] = {
        "status": status,
        "method": request.method,
        "url": str(request.url),
        "outcome": outcome,
        "server_code": code,
        "server_codes": codes,
        "issues": oo.issues_of(outcome),
    }
    message = f"{label}: HTTP {status}" + (f" ({code})" if code else "")
    cls = _status_class(
        status, code, paging=paging, if_match="if-match" in request.headers, method=request.method
    )
    if cls in (RateLimited, ServerError):
        kwargs["retry_after"] = retry_after_seconds(response.headers)
    return cls(message, **kwargs)


def _status_class(
    status: int, code: str | None, *, paging: bool, if_match: bool, method: str
) -> type[FHIRStatusError]:
    if status == 410:
        return PagingExpired if paging or code == "HAPI-0417" else ResourceGone
    if status == 412:
        return VersionConflict if if_match else AmbiguousMatch
    # HAPI 8.8 sends the "still referenced" 409 without its code; a plain DELETE (no If-Match)
    # has no version to conflict with, so an uncoded 409 on it means the same.
    if status == 409 and (
        code == "HAPI-0515" or (method == "DELETE" and not code and not if_match)
    ):
        return ResourceInUse
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    return ServerError if status >= 500 else FHIRStatusError


_BY_STATUS: Mapping[int, type[FHIRStatusError]] = {
    400: InvalidResource,
    401: AccessDenied,
    403: AccessDenied,
    404: ResourceNotFound,
    409: VersionConflict,
    422: InvalidResource,
    429: RateLimited,
}


def _outcome_or_none(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = json_body.loads(response.content)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        return None
    if isinstance(body, dict) and body.get("resourceType") == "OperationOutcome":
        return body
    return None


def retry_after_seconds(
    headers: httpx.Headers, *, now: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> float | None:
    """Seconds the server asked us to wait: ``Retry-After`` as seconds or HTTP-date, or Azure's
    ``x-ms-retry-after-ms``. None when absent or unreadable; never negative."""
    raw = headers.get("retry-after")
    if raw is not None:
        raw = raw.strip()
        if raw.isdigit():
            return float(raw)
        try:
            when = parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - now()).total_seconds())
    millis = headers.get("x-ms-retry-after-ms")
    if millis is not None and millis.strip().isdigit():
        return int(millis) / 1000.0
    return None

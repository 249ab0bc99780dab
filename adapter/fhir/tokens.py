"""OAuth2 access tokens for the FHIR client: fetched from the token endpoint, cached, refreshed.

Two ways for the client to prove who it is: a client secret (HTTP Basic, RFC 6749 2.3.1) and
``private_key_jwt`` (a signed JWT assertion, RFC 7523; what SMART Backend Services uses, RS384
or ES384). Token requests go out on their own short-lived HTTP client, so a token endpoint that
is down or refuses is reported as exactly that (:class:`TokenEndpointError`, naming the
endpoint), never as a FHIR server problem.
"""

from __future__ import annotations

import asyncio
import base64
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

import httpx
import jwt
from pydantic import SecretStr

from adapter.errors import TokenEndpointError
from adapter.fhir import json_body
from adapter.fhir.jwks import key_thumbprint

__all__ = ["ClientSecret", "PrivateKeyJWT", "TokenFetcher", "TokenSource"]

_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
_ASSERTION_LIFETIME = 300  # seconds; SMART Backend Services allows at most five minutes


@dataclass(frozen=True)
class ClientSecret:
    """Client authentication with a shared secret, sent as HTTP Basic."""

    client_id: str
    secret: SecretStr

    def form(self, token_url: str) -> dict[str, str]:
        return {}

    def headers(self) -> dict[str, str]:
        # RFC 6749 2.3.1: both parts are form-encoded before the Basic encoding.
        pair = f"{quote_plus(self.client_id)}:{quote_plus(self.secret.get_secret_value())}"
        return {"Authorization": f"Basic {base64.b64encode(pair.encode()).decode()}"}


@dataclass(frozen=True)
class PrivateKeyJWT:
    """Client authentication with a JWT signed by the client's private key (``private_key_jwt``).

    ``key_id`` defaults to the key's RFC 7638 thumbprint, which is also the ``kid`` that
    ``adapter auth jwks`` publishes, so the server can pick the right key from the JWKS.
    """

    client_id: str
    private_key: SecretStr
    algorithm: str = "RS384"
    key_id: str | None = None
    wall_clock: Callable[[], float] = time.time

    def form(self, token_url: str) -> dict[str, str]:
        now = int(self.wall_clock())
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": token_url,
            "iat": now,
            "exp": now + _ASSERTION_LIFETIME,
            "jti": str(uuid.uuid4()),
        }
        pem = self.private_key.get_secret_value()
        kid = self.key_id or key_thumbprint(pem)
        assertion = jwt.encode(claims, pem, self.algorithm, {"typ": "JWT", "kid": kid})
        return {"client_assertion_type": _ASSERTION_TYPE, "client_assertion": assertion}

    def headers(self) -> dict[str, str]:
        return {}


ClientAuth = ClientSecret | PrivateKeyJWT


class _Borrowed(httpx.AsyncBaseTransport):
    """A transport lent by the caller (tests): used, never closed by the token client."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.inner.handle_async_request(request)


class TokenFetcher:
    """Sends token and discovery requests on a short-lived client of their own."""

    def __init__(
        self,
        *,
        verify: bool = True,
        timeout: httpx.Timeout | float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._verify = verify
        self._timeout = timeout
        self._transport = None if transport is None else _Borrowed(transport)

    async def send(
        self, request: httpx.Request, *, client_id: str, scope: str | None
    ) -> tuple[int, dict[str, Any]]:
        """The answer's status and JSON object (empty if none); unreachable: TokenEndpointError."""
        url = str(request.url.copy_with(query=None))
        try:
            async with httpx.AsyncClient(
                verify=self._verify,
                timeout=self._timeout,
                transport=self._transport,
                follow_redirects=False,
            ) as http:
                response = await http.send(request)
        except httpx.HTTPError as exc:
            raise TokenEndpointError(
                f"cannot reach the token endpoint {url} ({type(exc).__name__})",
                url=url,
                client_id=client_id,
                scope=scope,
            ) from exc
        try:
            body = json_body.loads(response.content)
        except (ValueError, UnicodeDecodeError, RecursionError):
            body = None
        return response.status_code, body if isinstance(body, dict) else {}


class TokenSource:
    """A cached access token for one client, fetched again before it expires.

    The token is replaced when ``refresh_at`` (default 80 %) of its ``expires_in`` has passed,
    or when a caller saw the server refuse it. Concurrent callers share one fetch.
    """

    def __init__(
        self,
        *,
        token_url: str,
        client: ClientAuth,
        scope: str | None,
        fetcher: TokenFetcher,
        refresh_at: float = 0.8,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token_url = token_url
        self.client = client
        self.scope = scope
        self.fetches = 0
        self._fetcher = fetcher
        self._refresh_at = refresh_at
        self._clock = clock
        self._token: SecretStr | None = None
        self._refresh_after = 0.0
        self._lock = asyncio.Lock()

    async def token(self, *, refused: SecretStr | None = None) -> SecretStr:
        """A token fit to send; ``refused`` is one the server just answered 401 to."""
        async with self._lock:
            stale = self._token is None or self._token is refused
            if stale or self._clock() >= self._refresh_after:
                await self._fetch()
            assert self._token is not None
            return self._token

    async def _fetch(self) -> None:
        form = {"grant_type": "client_credentials", **self.client.form(self.token_url)}
        if self.scope:
            form["scope"] = self.scope
        headers = {"Accept": "application/json", **self.client.headers()}
        request = httpx.Request("POST", self.token_url, data=form, headers=headers)
        client_id = self.client.client_id
        status, body = await self._fetcher.send(request, client_id=client_id, scope=self.scope)
        self.fetches += 1
        token = body.get("access_token")
        if status >= 400 or not isinstance(token, str) or not token:
            # The OAuth ``error`` code names the problem; the free-text description may echo
            # what was sent, so it is left out.
            error = str(body.get("error") or "no access_token in the answer")[:80]
            raise TokenEndpointError(
                f"the token endpoint {self.token_url} refused client {client_id!r} "
                f"(HTTP {status}, {error}; scope {self.scope or '(none)'!r})",
                url=self.token_url,
                status=status,
                error=error,
                client_id=client_id,
                scope=self.scope,
            )
        lifetime = body.get("expires_in")
        seconds = float(lifetime) if isinstance(lifetime, int | float) and lifetime > 0 else 300.0
        self._token = SecretStr(token)
        self._refresh_after = self._clock() + self._refresh_at * seconds

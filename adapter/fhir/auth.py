"""Authentication to the FHIR server, as ``httpx.Auth`` flows.

None, a static bearer token, OAuth2 client credentials with a client secret, and SMART Backend
Services (client credentials with a ``private_key_jwt`` assertion, RS384 or ES384; the token
endpoint discovered from ``[base]/.well-known/smart-configuration`` when not configured).
Tokens come from :mod:`adapter.fhir.tokens`: cached, fetched again before they expire, and a
401 from the FHIR server gets one fresh token and one more try. Secrets stay in ``SecretStr``
until the moment they are sent and never appear in logs or error messages.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Callable, Generator
from typing import Any

import httpx
from pydantic import SecretStr

from adapter.errors import ConfigError, TokenEndpointError
from adapter.fhir.tokens import ClientAuth, ClientSecret, PrivateKeyJWT, TokenFetcher, TokenSource
from adapter.settings import AuthSettings, check_base_url

__all__ = [
    "BearerAuth",
    "ClientCredentialsAuth",
    "SmartBackendAuth",
    "build_auth",
]

DEFAULT_SMART_SCOPE = "system/*.rs"


class BearerAuth(httpx.Auth):
    """A fixed bearer token."""

    kind = "bearer"

    def __init__(self, token: SecretStr) -> None:
        self._token = token
        self.scope: str | None = None
        self.client_id: str | None = None

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token.get_secret_value()}"
        yield request


class ClientCredentialsAuth(httpx.Auth):
    """OAuth2 client credentials: a token from ``token_url`` for ``client``, sent as Bearer."""

    kind = "client_credentials"

    def __init__(
        self,
        *,
        token_url: str | None,
        client: ClientAuth,
        scope: str | None = None,
        fetcher: TokenFetcher | None = None,
        refresh_at: float = 0.8,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token_url = token_url
        self.client_id = client.client_id
        self.scope = scope
        self._client = client
        self._fetcher = fetcher or TokenFetcher()
        self._refresh_at = refresh_at
        self._clock = clock
        self._source: TokenSource | None = None
        self._lock = asyncio.Lock()

    @property
    def token_fetches(self) -> int:
        """How many tokens were fetched so far (for tests and diagnostics)."""
        return self._source.fetches if self._source is not None else 0

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        raise ConfigError("token-based FHIR auth works with httpx.AsyncClient only")

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        source = await self._token_source()
        token = await source.token()
        request.headers["Authorization"] = f"Bearer {token.get_secret_value()}"
        response = yield request
        if response.status_code == 401:  # expired or revoked early: one fresh token, one more try
            await response.aread()
            token = await source.token(refused=token)
            request.headers["Authorization"] = f"Bearer {token.get_secret_value()}"
            yield request

    async def _token_source(self) -> TokenSource:
        async with self._lock:
            if self._source is None:
                token_url = self.token_url or await self._discover_token_url()
                self.token_url = token_url
                self._source = TokenSource(
                    token_url=token_url,
                    client=self._client,
                    scope=self.scope,
                    fetcher=self._fetcher,
                    refresh_at=self._refresh_at,
                    clock=self._clock,
                )
            return self._source

    async def _discover_token_url(self) -> str:
        raise ConfigError("ADAPTER_FHIR_AUTH__TOKEN_URL is required for client credentials")


class SmartBackendAuth(ClientCredentialsAuth):
    """SMART Backend Services: client credentials with a signed JWT assertion (RS384/ES384); the
    token URL is discovered from ``[base]/.well-known/smart-configuration`` when not set."""

    kind = "smart_backend"

    def __init__(
        self,
        *,
        base_url: str,
        client_id: str,
        private_key: SecretStr,
        algorithm: str = "RS384",
        key_id: str | None = None,
        token_url: str | None = None,
        scope: str | None = DEFAULT_SMART_SCOPE,
        wall_clock: Callable[[], float] = time.time,
        allow_insecure_http: bool = False,
        **kw: Any,
    ) -> None:
        client = PrivateKeyJWT(client_id, private_key, algorithm, key_id, wall_clock)
        super().__init__(token_url=token_url, client=client, scope=scope, **kw)
        self.algorithm = algorithm
        self._base_url = base_url.rstrip("/")
        self._allow_insecure_http = allow_insecure_http

    async def _discover_token_url(self) -> str:
        url = f"{self._base_url}/.well-known/smart-configuration"
        request = httpx.Request("GET", url, headers={"Accept": "application/json"})
        status, body = await self._fetcher.send(request, client_id=self.client_id, scope=self.scope)
        endpoint = body.get("token_endpoint")
        if status >= 400 or not isinstance(endpoint, str):
            raise TokenEndpointError(
                f"no token_endpoint in {url} (HTTP {status}); set ADAPTER_FHIR_AUTH__TOKEN_URL",
                url=url,
                status=status,
                client_id=self.client_id,
                scope=self.scope,
            )
        check_base_url(
            endpoint, allow_insecure_http=self._allow_insecure_http, name="token_endpoint"
        )
        return endpoint


def build_auth(
    settings: AuthSettings,
    *,
    base_url: str,
    fetcher: TokenFetcher | None = None,
    allow_insecure_http: bool = False,
) -> httpx.Auth | None:
    """The auth flow the settings ask for (None for ``kind=none``)."""
    if settings.kind == "bearer":
        assert settings.token is not None
        return BearerAuth(settings.token)
    if settings.kind == "client_credentials":
        assert settings.client_id is not None
        assert settings.client_secret is not None
        return ClientCredentialsAuth(
            token_url=settings.token_url,
            client=ClientSecret(settings.client_id, settings.client_secret),
            scope=settings.scope,
            fetcher=fetcher,
        )
    if settings.kind == "smart_backend":
        assert settings.client_id is not None
        assert settings.private_key is not None
        return SmartBackendAuth(
            base_url=base_url,
            client_id=settings.client_id,
            private_key=settings.private_key,
            algorithm=settings.algorithm,
            key_id=settings.key_id,
            token_url=settings.token_url,
            scope=settings.scope or DEFAULT_SMART_SCOPE,
            fetcher=fetcher,
            allow_insecure_http=allow_insecure_http,
        )
    return None

"""Authentication to the FHIR server, as ``httpx.Auth`` flows.

None, a static bearer token, OAuth2 client credentials, and SMART Backend Services (a signed JWT
client assertion, RS384 or ES384). Tokens are cached and refreshed before they expire; a 401
gets one fresh token and one more try. Secrets stay in ``SecretStr`` until the moment they are
sent and never appear in logs or error messages.
"""

from __future__ import annotations

import asyncio
import base64
import time
import uuid
from collections.abc import AsyncGenerator, Callable, Generator
from typing import Any
from urllib.parse import quote_plus

import httpx
import jwt
from pydantic import SecretStr

from adapter.errors import AccessDenied, ConfigError, ResponseError
from adapter.settings import AuthSettings

__all__ = [
    "BearerAuth",
    "ClientCredentialsAuth",
    "SmartBackendAuth",
    "build_auth",
]

_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
_ASSERTION_LIFETIME = 300  # seconds; SMART Backend Services allows at most five minutes


class BearerAuth(httpx.Auth):
    """A fixed bearer token."""

    def __init__(self, token: SecretStr) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token.get_secret_value()}"
        yield request


class ClientCredentialsAuth(httpx.Auth):
    """OAuth2 client credentials (client id and secret sent as HTTP Basic to the token URL)."""

    requires_response_body = True

    def __init__(
        self,
        *,
        token_url: str | None,
        client_id: str,
        client_secret: SecretStr | None = None,
        scope: str | None = None,
        refresh_at: float = 0.8,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self._secret = client_secret
        self.scope = scope
        self._refresh_at = refresh_at
        self._clock = clock
        self._token: SecretStr | None = None
        self._refresh_after = 0.0
        self._lock = asyncio.Lock()

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        raise ConfigError("token-based FHIR auth works with httpx.AsyncClient only")

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        seen: SecretStr | None = None
        for _ in range(2):  # the first try, and one more with a fresh token after a 401
            async with self._lock:
                # Someone else may have refreshed while we waited; only a token we saw fail,
                # or one near expiry, is replaced.
                if (
                    self._token is None
                    or self._token is seen
                    or self._clock() >= self._refresh_after
                ):
                    if self.token_url is None:
                        self.token_url = self._token_url_from((yield self._discovery_request()))
                    self._store((yield self._token_request()))
                seen = self._token
            assert seen is not None
            request.headers["Authorization"] = f"Bearer {seen.get_secret_value()}"
            response = yield request
            if response.status_code != 401:
                return

    def _token_request(self) -> httpx.Request:
        assert self.token_url is not None
        form = {"grant_type": "client_credentials", **self._credentials()}
        if self.scope:
            form["scope"] = self.scope
        return httpx.Request("POST", self.token_url, data=form, headers=self._token_headers())

    def _discovery_request(self) -> httpx.Request:
        raise ConfigError("ADAPTER_FHIR_AUTH__TOKEN_URL is required for client credentials")

    def _token_url_from(self, response: httpx.Response) -> str:
        raise NotImplementedError

    def _credentials(self) -> dict[str, str]:
        return {}

    def _token_headers(self) -> dict[str, str]:
        assert self._secret is not None
        # RFC 6749 2.3.1: both parts are form-encoded before the Basic encoding.
        pair = f"{quote_plus(self.client_id)}:{quote_plus(self._secret.get_secret_value())}"
        basic = base64.b64encode(pair.encode()).decode()
        return {"Authorization": f"Basic {basic}", "Accept": "application/json"}

    def _store(self, response: httpx.Response) -> None:
        body = _json_or_empty(response)
        if response.status_code >= 400 or "access_token" not in body:
            # The OAuth ``error`` code names the problem without revealing anything secret.
            error = str(body.get("error", "no access_token in the answer"))[:80]
            raise AccessDenied(
                f"token endpoint refused the client (HTTP {response.status_code}, {error})",
                status=response.status_code if response.status_code >= 400 else 401,
                method="POST",
                url=self.token_url,
            )
        lifetime = float(body.get("expires_in") or 300)
        self._token = SecretStr(str(body["access_token"]))
        self._refresh_after = self._clock() + self._refresh_at * lifetime


class SmartBackendAuth(ClientCredentialsAuth):
    """SMART Backend Services: client credentials with a signed JWT assertion (RS384/ES384); the
    token URL is discovered from ``[base]/.well-known/smart-configuration`` when not set."""

    def __init__(
        self,
        *,
        base_url: str,
        client_id: str,
        private_key: SecretStr,
        algorithm: str = "RS384",
        key_id: str | None = None,
        token_url: str | None = None,
        scope: str | None = "system/*.rs",
        wall_clock: Callable[[], float] = time.time,
        **kw: Any,
    ) -> None:
        super().__init__(token_url=token_url, client_id=client_id, scope=scope, **kw)
        self._base_url = base_url.rstrip("/")
        self._key = private_key
        self.algorithm = algorithm
        self.key_id = key_id
        self._wall_clock = wall_clock

    def _discovery_request(self) -> httpx.Request:
        url = f"{self._base_url}/.well-known/smart-configuration"
        return httpx.Request("GET", url, headers={"Accept": "application/json"})

    def _token_url_from(self, response: httpx.Response) -> str:
        endpoint = _json_or_empty(response).get("token_endpoint")
        if response.status_code >= 400 or not isinstance(endpoint, str):
            raise ResponseError(
                "no token_endpoint in .well-known/smart-configuration",
                method="GET",
                url=str(response.request.url),
            )
        return endpoint

    def _credentials(self) -> dict[str, str]:
        assert self.token_url is not None
        now = int(self._wall_clock())
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": self.token_url,
            "exp": now + _ASSERTION_LIFETIME,
            "jti": str(uuid.uuid4()),
        }
        headers = {"typ": "JWT", **({"kid": self.key_id} if self.key_id else {})}
        assertion = jwt.encode(claims, self._key.get_secret_value(), self.algorithm, headers)
        return {"client_assertion_type": _ASSERTION_TYPE, "client_assertion": assertion}

    def _token_headers(self) -> dict[str, str]:
        return {"Accept": "application/json"}


def _json_or_empty(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def build_auth(settings: AuthSettings, *, base_url: str) -> httpx.Auth | None:
    """The auth flow the settings ask for (None for ``kind=none``)."""
    if settings.kind == "bearer":
        assert settings.token is not None
        return BearerAuth(settings.token)
    if settings.kind == "client_credentials":
        assert settings.client_id is not None
        return ClientCredentialsAuth(
            token_url=settings.token_url,
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            scope=settings.scope,
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
            scope=settings.scope or "system/*.rs",
        )
    return None

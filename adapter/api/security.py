"""Who may call the service: one bearer token, checked in constant time.

``ADAPTER_API_TOKEN`` guards every route but ``/health``. ``POST /fhir/notify`` also accepts
``ADAPTER_NOTIFY_TOKEN``, a narrower secret to hand to the FHIR server's Subscription (it can
only trigger a pull). Without an API token the service starts only when
``ADAPTER_API_ALLOW_NO_AUTH=true`` and it is bound to loopback; it then also refuses callers
that are not on loopback.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable

from pydantic import SecretStr

from adapter.errors import ConfigError
from adapter.settings import Settings, is_loopback

__all__ = ["Guard", "check_auth", "check_bind", "configured_token"]


def configured_token(secret: SecretStr | None) -> bytes | None:
    """The token's bytes, or None when unset or blank (an empty token is no token)."""
    if secret is None:
        return None
    value = secret.get_secret_value().strip()
    return value.encode() if value else None


MIN_TOKEN_LENGTH = 16
"""Shortest API token accepted: a guessable token is no protection."""


def check_auth(settings: Settings) -> None:
    """Refuse to build an app with no token unless running without one was asked for, and
    with a token too short to be a secret."""
    if configured_token(settings.api_token) is None and not settings.api_allow_no_auth:
        raise ConfigError(
            "ADAPTER_API_TOKEN is not set: set it to a long random secret, or set "
            "ADAPTER_API_ALLOW_NO_AUTH=true to run without authentication on loopback"
        )
    for name, secret in (
        ("ADAPTER_API_TOKEN", settings.api_token),
        ("ADAPTER_NOTIFY_TOKEN", settings.notify_token),
    ):
        token = configured_token(secret)
        if token is not None and len(token) < MIN_TOKEN_LENGTH:
            raise ConfigError(
                f"{name} is too short: use at least {MIN_TOKEN_LENGTH} random characters "
                "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )


def check_bind(settings: Settings, host: str) -> None:
    """Refuse to serve without authentication anywhere but on loopback."""
    check_auth(settings)
    if configured_token(settings.api_token) is None and not is_loopback(host):
        raise ConfigError(
            f"refusing to serve without authentication on {host}: "
            "ADAPTER_API_ALLOW_NO_AUTH works on loopback only; set ADAPTER_API_TOKEN"
        )


class Guard:
    """Checks an ``Authorization`` header against the accepted tokens."""

    def __init__(self, tokens: Iterable[SecretStr | None], *, allow_no_auth: bool) -> None:
        self._tokens = [token for t in tokens if (token := configured_token(t)) is not None]
        self.open = not self._tokens and allow_no_auth

    def admits(self, authorization: str | None, *, client_host: str | None) -> bool:
        if self.open:
            # Defence in depth: a no-auth service behind a proxy still answers loopback only.
            return client_host is not None and is_loopback(client_host)
        scheme, _, presented = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not presented.strip():
            return False
        candidate = presented.strip().encode()
        # Compare against every token, without stopping early, so timing says nothing.
        matches = [hmac.compare_digest(candidate, token) for token in self._tokens]
        return any(matches)

"""The console's sign-in: the API token, once, for a signed session cookie with a CSRF token.

The cookie holds no secret of its own: ``{"csrf": <random>}`` signed (itsdangerous, with a
timestamp) by a key derived from ``ADAPTER_API_TOKEN`` by HMAC, so a new token ends every
session. It is HTTP-only, ``SameSite=Strict``, ``Secure`` when the console is reached over
HTTPS, and lasts :data:`SESSION_SECONDS`. Every form that changes something carries the CSRF
token, compared in constant time. Without a token (``ADAPTER_API_ALLOW_NO_AUTH``, loopback only)
the signing key is random per process and signing in needs no token, as the API needs none.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from adapter.api.security import Guard, configured_token
from adapter.settings import Settings

__all__ = ["COOKIE", "SESSION_SECONDS", "Session", "Sessions"]

COOKIE = "adapter_console"
SESSION_SECONDS = 8 * 3600
_SALT = "adapter-console-session"
_NOTICE_SALT = "adapter-console-notice"
_NOTICE_SECONDS = 300


@dataclass(frozen=True)
class Session:
    """A signed-in operator's session: the CSRF token its forms must carry."""

    csrf: str

    def allows(self, presented: str | None) -> bool:
        """A form's CSRF token is this session's (constant time)."""
        return presented is not None and hmac.compare_digest(presented.encode(), self.csrf.encode())


class Sessions:
    """Signs and reads the console's session cookie for one app."""

    def __init__(self, settings: Settings, guard: Guard) -> None:
        token = configured_token(settings.api_token)
        key = (
            hmac.new(token, _SALT.encode(), hashlib.sha256).digest()
            if token is not None
            else secrets.token_bytes(32)
        )
        self._signer = URLSafeTimedSerializer(key, salt=_SALT)
        self._notices = URLSafeTimedSerializer(key, salt=_NOTICE_SALT)
        self._guard = guard

    @property
    def needs_token(self) -> bool:
        """Signing in asks for the API token (False only without authentication)."""
        return not self._guard.open

    def sign_in(self, request: Request, token: str) -> bool:
        """The token (or, without authentication, the loopback caller) is admitted."""
        client = request.client.host if request.client else None
        return self._guard.admits(f"Bearer {token.strip()}", client_host=client)

    def current(self, request: Request) -> Session | None:
        """The request's valid session, if any (a bad or expired cookie is none)."""
        data = _verified(self._signer, request.cookies.get(COOKIE), SESSION_SECONDS)
        csrf = data.get("csrf") if isinstance(data, dict) else None
        return Session(csrf) if isinstance(csrf, str) and csrf else None

    def start(self, request: Request, response: Response) -> None:
        """Set a fresh session cookie on ``response``."""
        value = self._signer.dumps({"csrf": secrets.token_urlsafe(32)})
        response.set_cookie(
            COOKIE,
            value,
            max_age=SESSION_SECONDS,
            path="/console",
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )

    def seal(self, notice: str) -> str:
        """``notice`` signed for a redirect's query string: a page shows only what the console
        itself said, never text a crafted link put there."""
        return self._notices.dumps(notice)

    def unseal(self, sealed: str | None) -> str | None:
        notice = _verified(self._notices, sealed, _NOTICE_SECONDS)
        return notice if isinstance(notice, str) else None

    @staticmethod
    def end(response: Response) -> None:
        response.delete_cookie(COOKIE, path="/console", httponly=True, samesite="strict")


def _verified(signer: URLSafeTimedSerializer, value: str | None, max_age: int) -> Any:
    """What ``value`` carries if ``signer`` signed it less than ``max_age`` seconds ago."""
    if not value:
        return None
    try:
        return signer.loads(value, max_age=max_age)
    except BadSignature:  # also SignatureExpired
        return None

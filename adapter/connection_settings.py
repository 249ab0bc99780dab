"""How the adapter reaches a FHIR server: credentials, timeouts, retries, and which URLs it
accepts. Groups of :class:`adapter.settings.Settings` (``ADAPTER_FHIR_AUTH__*``,
``ADAPTER_FHIR_TIMEOUTS__*``, ``ADAPTER_FHIR_RETRY__*``), exported from there too."""

from __future__ import annotations

import ipaddress
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from adapter.errors import ConfigError

__all__ = [
    "AuthKind",
    "AuthSettings",
    "RetrySettings",
    "TimeoutSettings",
    "check_base_url",
    "is_loopback",
]

AuthKind = Literal["none", "bearer", "client_credentials", "smart_backend"]


class AuthSettings(BaseModel):
    """How the adapter authenticates to the FHIR server (``ADAPTER_FHIR_AUTH__*``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: AuthKind = "none"
    token: SecretStr | None = None
    token_url: str | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None
    scope: str | None = None
    private_key: SecretStr | None = None
    key_id: str | None = None
    algorithm: Literal["RS384", "ES384"] = "RS384"

    @model_validator(mode="after")
    def _required_for_kind(self) -> AuthSettings:
        needed: dict[str, tuple[str, ...]] = {
            "none": (),
            "bearer": ("token",),
            "client_credentials": ("token_url", "client_id", "client_secret"),
            "smart_backend": ("client_id", "private_key"),
        }
        missing = [name for name in needed[self.kind] if getattr(self, name) is None]
        if missing:
            names = ", ".join(f"ADAPTER_FHIR_AUTH__{name.upper()}" for name in missing)
            raise ValueError(f"auth kind {self.kind!r} needs {names}")
        return self

    def describe(self) -> str:
        """Which credentials, in words fit for an error line (never a secret)."""
        if self.kind in ("none", "bearer"):
            return "no credentials" if self.kind == "none" else "a static bearer token"
        scope = self.scope or ("system/*.rs" if self.kind == "smart_backend" else "(none)")
        return f"{self.kind} as client {self.client_id!r} with scope {scope!r}"


class TimeoutSettings(BaseModel):
    """Seconds allowed per phase of one HTTP exchange (``ADAPTER_FHIR_TIMEOUTS__*``), and for the
    whole of it: ``total`` bounds one request from sending to the last byte of its answer, so a
    server trickling a byte now and then (each read within ``read``) cannot hold it forever."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    connect: float = Field(default=5.0, gt=0)
    read: float = Field(default=30.0, gt=0)
    write: float = Field(default=30.0, gt=0)
    pool: float = Field(default=10.0, gt=0)
    total: float = Field(default=120.0, gt=0)


class RetrySettings(BaseModel):
    """Caps and backoff of the retry layer (``ADAPTER_FHIR_RETRY__*``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_attempts: int = Field(default=5, ge=1)
    max_total_seconds: float = Field(default=60.0, gt=0)
    initial_wait: float = Field(default=0.5, ge=0)
    max_wait: float = Field(default=10.0, ge=0)


def check_base_url(
    url: str, *, allow_insecure_http: bool, name: str = "ADAPTER_FHIR_BASE_URL"
) -> None:
    """Refuse a URL that is malformed, or plain http to a host that is not loopback.

    ``name`` is what the message calls the URL (the FHIR base URL, a token endpoint).
    """
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None:
        # Never echo the URL here: it holds the password.
        raise ConfigError(
            f"{name} must not carry credentials (user:password@): they would be sent in the "
            "clear to every request's logs and summaries; use ADAPTER_FHIR_AUTH__* instead"
        )
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{name} must be an http(s) URL with a host, got {url!r}")
    if parts.query or parts.fragment:
        raise ConfigError(f"{name} must not carry a query or fragment")
    if parts.scheme == "http" and not allow_insecure_http and not is_loopback(parts.hostname):
        raise ConfigError(
            f"refusing plain http to {parts.hostname} ({name}): use https, or set "
            "ADAPTER_ALLOW_INSECURE_HTTP=true if this network is trusted"
        )


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False

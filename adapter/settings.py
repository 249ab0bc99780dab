"""The adapter's settings, read once at the edge (CLI start, API lifespan) and passed down.

Environment variables carry the ``ADAPTER_`` prefix; nested groups use ``__``, e.g.
``ADAPTER_FHIR_BASE_URL``, ``ADAPTER_FHIR_AUTH__KIND=client_credentials``,
``ADAPTER_FHIR_TIMEOUTS__READ=60``, ``ADAPTER_FHIR_RETRY__MAX_ATTEMPTS=3``.

The HTTP service (``adapter serve``) takes its bearer token from ``ADAPTER_API_TOKEN``;
``ADAPTER_API_ALLOW_NO_AUTH=true`` runs it without one, on loopback only.
``ADAPTER_NOTIFY_TOKEN`` is a second, narrower token accepted only by ``POST /fhir/notify``.

``ADAPTER_NAMESPACE`` keeps this installation's resources apart from everyone else's on a shared
server (default: none, except on a public sandbox, where a random one is kept in the ledger).
``ADAPTER_PROFILE`` (auto, local, public) picks how hard the adapter may press the server;
:func:`adapter.politeness.politeness` gives the effective numbers; ``auto`` is ``public``
only for known public sandbox hosts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from adapter.canonical import IDENTIFIER_BASE, check_namespace, set_identifier_base
from adapter.config_file import file_sources, warn_unknown_variables
from adapter.connection_settings import (
    AuthSettings,
    RetrySettings,
    TimeoutSettings,
    check_base_url,
    is_loopback,
)
from adapter.errors import ConfigError
from adapter.logs import LogFormat, LogLevel
from adapter.realm import Realm, set_organization, set_realm

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_RUN_MAX_SECONDS",
    "ENV_FILE_VARIABLE",
    "AuthSettings",
    "ProfileName",
    "RetrySettings",
    "Settings",
    "TimeoutSettings",
    "check_base_url",
    "default_ledger_url",
    "is_loopback",
    "ledger_url_of",
    "load_settings",
]

DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
"""Largest answer read from a FHIR server (a search page or transaction answer is far smaller)."""
DEFAULT_RUN_MAX_SECONDS = 4 * 3600.0
"""Longest a background run of the service may take before it is cancelled as interrupted."""

ProfileName = Literal["auto", "local", "public"]
PullStrategyName = Literal["auto", "system-history", "type-history", "search"]
IdStrategyName = Literal["auto", "client", "server"]


def ledger_url_of(value: str) -> str:
    """``value`` as a database URL: a URL (``sqlite:///...``, ``postgresql+psycopg://...``)
    as given; anything else is a file path, made absolute, for a SQLite ledger."""
    text = value.strip()
    if "://" in text or not text:
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


def default_ledger_url(env: Mapping[str, str] | None = None) -> str:
    """The per-user ledger: ``$XDG_DATA_HOME/cm-fhir-adapter/ledger.sqlite``.

    Per user rather than per working directory, so a cron job or service started elsewhere
    finds the same dead letters, watermarks and hashes instead of silently starting afresh.
    """
    env = os.environ if env is None else env
    data_home = env.get("XDG_DATA_HOME") or str(
        Path(env.get("HOME", "~")).expanduser() / ".local/share"
    )
    return f"sqlite:///{Path(data_home) / 'cm-fhir-adapter' / 'ledger.sqlite'}"


class Settings(BaseSettings):
    """Everything configurable, from the environment (and from the ``.env``-style file named by
    ``ADAPTER_ENV_FILE`` or ``--env-file``, never from one that merely happens to be there)."""

    model_config = SettingsConfigDict(
        env_prefix="ADAPTER_",
        env_nested_delimiter="__",
        env_file=None,
        extra="ignore",
        frozen=True,
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Flags, the environment, a named env file, then the TOML file (adapter.config_file)."""
        files = file_sources(settings_cls)
        return init_settings, env_settings, dotenv_settings, *files, file_secret_settings

    fhir_base_url: str = "http://127.0.0.1:8080/fhir"
    fhir_auth: AuthSettings = AuthSettings()
    fhir_timeouts: TimeoutSettings = TimeoutSettings()
    fhir_retry: RetrySettings = RetrySettings()
    # Defaults for these three come from the profile (see politeness) unless set explicitly.
    fhir_max_concurrency: int = Field(default=8, ge=1)
    # True: requests in flight adapt between 1 and the ceiling above (adapter/fhir/window.py).
    fhir_adaptive_concurrency: bool = True
    fhir_rate_limit: float = Field(default=0.0, ge=0, description="requests/s, 0 = no limit")
    fhir_max_response_bytes: int = Field(default=DEFAULT_MAX_RESPONSE_BYTES, ge=1024)
    fhir_max_transaction_entries: int | None = Field(
        default=None, ge=1, description="largest transaction the server takes; None = no cap"
    )
    # client: PUT by the adapter's deterministic ids; server: the server assigns ids (conditional
    # update by business identifier, the ledger keeps them); auto: the server profile decides.
    fhir_id_strategy: IdStrategyName = "auto"
    fhir_atomic_transactions: bool | None = Field(
        default=None, description="None: the server profile's finding, else taken as atomic"
    )
    resource_types: str | None = Field(
        default=None, description="comma list of the resource types to write; None = all"
    )
    profile: ProfileName = "auto"
    namespace: str | None = None
    identifier_base: str | None = None
    # base: R4 + the adapter's profiles; us: also shaped for and claiming US Core 6.1.0
    realm: Realm = "base"
    fhir_verify_tls: bool = True
    allow_insecure_http: bool = False
    # Per user, not per working directory: a job started elsewhere finds the same ledger.
    ledger_url: str = Field(default_factory=default_ledger_url)
    push_concurrency: int | None = Field(
        default=None, ge=1, le=64, description="cases pushed in parallel; None: window ceiling + 2"
    )
    # Several workers on one ledger (docs/scale.md): auto leases cases on PostgreSQL only.
    case_leases: Literal["auto", "on", "off"] = "auto"
    lease_seconds: float = Field(
        default=60.0, ge=1, le=3600, description="a case lease's length; renewed every third"
    )
    pull_overlap_seconds: float = Field(
        default=300.0, ge=0, description="seconds a pull re-reads before its watermark"
    )
    pull_strategy: PullStrategyName = "auto"
    api_token: SecretStr | None = None
    api_allow_no_auth: bool = False
    notify_token: SecretStr | None = None
    run_max_seconds: float = Field(default=DEFAULT_RUN_MAX_SECONDS, gt=0)
    changes_webhook_url: str | None = None
    changes_webhook_secret: SecretStr | None = None
    changes_webhook_interval_seconds: float = Field(default=30.0, gt=0)
    referral_no_answer_business_days: int = Field(
        default=3, ge=1, le=60, description="business days a referral may wait for an answer"
    )
    referral_organization: str | None = Field(
        default=None,
        pattern=r"^Organization/[A-Za-z0-9\-.]{1,64}$",
        description="the case-management organization inbound referrals are addressed to",
    )
    referral_servers: str | None = Field(
        default=None,
        description="comma list of other FHIR base URLs whose absolute references an inbound "
        "referral may make the adapter read",
    )
    referral_task_server: str | None = Field(
        default=None,
        description="the FHIR base URL outbound referral Tasks are written to (the "
        "performer's server); unset: the case's own server",
    )
    organization: str | None = Field(
        default=None,
        pattern=r"^Organization/[A-Za-z0-9\-.]{1,64}$",
        description="the case-management organization this installation acts for",
    )
    log_level: LogLevel = "WARNING"
    log_format: LogFormat = "text"
    # A document written when a closed version of a case is accepted (adapter.sync.documents).
    documents_on_close: Literal["transition", "episode"] | None = None
    documents_dir: Path | None = None

    @field_validator("ledger_url", mode="after")
    @classmethod
    def _ledger_path(cls, value: str) -> str:
        """A plain file path (``--ledger ./ledger.sqlite``) means a SQLite ledger there."""
        return ledger_url_of(value)

    @property
    def referral_server_list(self) -> list[str]:
        """``ADAPTER_REFERRAL_SERVERS`` as base URLs."""
        return [u.strip() for u in (self.referral_servers or "").split(",") if u.strip()]

    @model_validator(mode="after")
    def _documents_need_a_place(self) -> Settings:
        if self.documents_on_close is not None and self.documents_dir is None:
            raise ValueError(
                "ADAPTER_DOCUMENTS_DIR: the directory for the documents is needed when "
                "ADAPTER_DOCUMENTS_ON_CLOSE is set"
            )
        return self

    @model_validator(mode="after")
    def _safe_base_url(self) -> Settings:
        check_base_url(self.fhir_base_url, allow_insecure_http=self.allow_insecure_http)
        if self.fhir_auth.token_url is not None:
            check_base_url(
                self.fhir_auth.token_url,
                allow_insecure_http=self.allow_insecure_http,
                name="ADAPTER_FHIR_AUTH__TOKEN_URL",
            )
        if self.changes_webhook_url is not None:
            name = "ADAPTER_CHANGES_WEBHOOK_URL"
            check_base_url(
                self.changes_webhook_url, allow_insecure_http=self.allow_insecure_http, name=name
            )
            secret = self.changes_webhook_secret
            if secret is None or len(secret.get_secret_value()) < 16:
                raise ValueError(
                    "ADAPTER_CHANGES_WEBHOOK_SECRET: at least 16 characters are needed to sign "
                    "the change feed's deliveries when ADAPTER_CHANGES_WEBHOOK_URL is set"
                )
        if self.resource_types is not None:
            named = {part.strip() for part in self.resource_types.split(",")}
            missing = sorted({"EpisodeOfCare", "Patient"} - named)
            if missing:
                raise ValueError(
                    f"ADAPTER_RESOURCE_TYPES: {', '.join(missing)} is required for a case"
                )
        if self.referral_task_server is not None:
            check_base_url(
                self.referral_task_server,
                allow_insecure_http=self.allow_insecure_http,
                name="ADAPTER_REFERRAL_TASK_SERVER",
            )
        for url in self.referral_server_list:
            check_base_url(
                url, allow_insecure_http=self.allow_insecure_http, name="ADAPTER_REFERRAL_SERVERS"
            )
        if self.namespace is not None:
            try:
                check_namespace(self.namespace)
            except ValueError as exc:
                raise ValueError(f"ADAPTER_NAMESPACE: {exc}") from None
        if self.identifier_base is not None and not IDENTIFIER_BASE.match(
            self.identifier_base.rstrip("/")
        ):
            raise ValueError("ADAPTER_IDENTIFIER_BASE: an absolute http(s) URL or a urn")
        return self


ENV_FILE_VARIABLE = "ADAPTER_ENV_FILE"


def load_settings(**overrides: Any) -> Settings:
    """Read settings from the environment (and the file ``ADAPTER_ENV_FILE`` names, whose
    values the environment overrides); keyword overrides win. Errors become ConfigError."""
    env_file = os.environ.get(ENV_FILE_VARIABLE, "").strip() or None
    if env_file is not None and not Path(env_file).is_file():
        raise ConfigError(f"{ENV_FILE_VARIABLE}: no such file: {env_file}")
    warn_unknown_variables(Settings)
    try:
        settings = Settings(_env_file=env_file, **overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}"
            for err in exc.errors(include_url=False, include_input=False)
        )
        raise ConfigError(f"invalid settings: {problems}") from None
    # The one process-wide piece of mapping configuration: which base identifier systems use.
    set_identifier_base(settings.identifier_base)
    set_realm(settings.realm)
    set_organization(settings.organization or settings.referral_organization)
    return settings

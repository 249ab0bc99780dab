"""How hard the adapter may press one server: the politeness profiles (``local``, ``public``)
and the effective limits for the settings in force (:func:`politeness`). ``auto`` is
``public`` only for known public sandboxes; a value set explicitly wins over the profile's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from adapter.settings import Settings, TimeoutSettings

__all__ = ["PROFILES", "PUBLIC_SANDBOX_HOSTS", "Politeness", "politeness", "profile_name"]


@dataclass(frozen=True)
class Politeness:
    """How hard the adapter may press one server: parallel requests, rate, patience."""

    profile: Literal["local", "public"]
    max_concurrency: int
    rate_limit: float | None  # requests per second; None: no limit
    burst: int
    timeouts: TimeoutSettings


#: A local server is ours to load; a public one is shared and slow, so ask little and wait long.
PROFILES: dict[str, Politeness] = {
    "local": Politeness("local", max_concurrency=8, rate_limit=None, burst=1,
                        timeouts=TimeoutSettings()),
    "public": Politeness("public", max_concurrency=2, rate_limit=5.0, burst=5,
                         timeouts=TimeoutSettings(connect=10, read=90, write=60, pool=120,
                                                  total=300)),
}  # fmt: skip


#: Public test servers shared by everyone: ``auto`` treats these (and their subdomains) as
#: ``public``. Any other server (a hospital's EHR, a payer's endpoint, a local HAPI) is one the
#: installation may load normally; ``ADAPTER_PROFILE=public`` marks another one as shared.
PUBLIC_SANDBOX_HOSTS: tuple[str, ...] = (
    "hapi.fhir.org",
    "server.fire.ly",
    "r4.smarthealthit.org",
    "launch.smarthealthit.org",
    "fhir.healthintersections.com.au",
    "r4.ontoserver.csiro.au",
    "sqlonfhir-r4.azurewebsites.net",
)


def profile_name(settings: Settings) -> Literal["local", "public"]:
    """The politeness profile in force: the one set, or for ``auto`` ``public`` exactly when
    the server is a known public sandbox."""
    if settings.profile != "auto":
        return settings.profile
    host = (urlsplit(settings.fhir_base_url).hostname or "").lower().rstrip(".")
    public = any(host == known or host.endswith("." + known) for known in PUBLIC_SANDBOX_HOSTS)
    return "public" if public else "local"


def politeness(settings: Settings) -> Politeness:
    """The effective limits for ``settings.fhir_base_url`` under :func:`profile_name`. A value
    set explicitly (``ADAPTER_FHIR_MAX_CONCURRENCY``, ``ADAPTER_FHIR_RATE_LIMIT``,
    ``ADAPTER_FHIR_TIMEOUTS__*``) wins over the profile's.
    """
    chosen = PROFILES[profile_name(settings)]
    explicit = settings.model_fields_set
    return Politeness(
        profile=chosen.profile,
        max_concurrency=(
            settings.fhir_max_concurrency
            if "fhir_max_concurrency" in explicit
            else chosen.max_concurrency
        ),
        rate_limit=(
            (settings.fhir_rate_limit or None)
            if "fhir_rate_limit" in explicit
            else chosen.rate_limit
        ),
        burst=chosen.burst,
        timeouts=_over(chosen.timeouts, settings.fhir_timeouts),
    )


def _over(base: TimeoutSettings, given: TimeoutSettings) -> TimeoutSettings:
    """``base`` with the phases ``given`` sets explicitly (``ADAPTER_FHIR_TIMEOUTS__READ=60``)."""
    return base.model_copy(update={name: getattr(given, name) for name in given.model_fields_set})

"""The server profile in the ledger, and the one place where it changes what push and pull do.

``adapter ping`` learns a server's profile (:mod:`adapter.fhir.preflight`) and keeps it in the
ledger's settings as JSON under ``server-profile|<base URL>``. Before a push or pull,
:func:`settings_with_profile` fills in what the profile learned for each setting not given
explicitly: ``ADAPTER_FHIR_MAX_TRANSACTION_ENTRIES`` (the cap found),
``ADAPTER_PULL_STRATEGY`` (the best way to read changes), ``ADAPTER_FHIR_ID_STRATEGY`` (server
ids where client-assigned ids are refused), ``ADAPTER_FHIR_ATOMIC_TRANSACTIONS`` (whether a
failed transaction may have left part behind) and ``ADAPTER_RESOURCE_TYPES`` (the types the
server declares it can update). A profile holds only while the server
runs the same software, version and FHIR version: when those change it is learned again.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from collections.abc import Mapping
from typing import Any, Final, Protocol

from adapter.canonical import CANONICAL_BASE
from adapter.errors import FHIRError
from adapter.fhir import open_client
from adapter.fhir.factory import BEFORE_RUN_ATTEMPTS, probe_capabilities
from adapter.fhir.preflight import learn_profile
from adapter.fhir.retry import RetryPolicy
from adapter.fhir.server_profile import ServerProfile
from adapter.fhir.write_probe import WriteProbe
from adapter.mappings.context import RESOURCE_TYPES
from adapter.mappings.namespace import namespace_tag
from adapter.settings import Settings

__all__ = [
    "PROFILE_KEY_PREFIX",
    "apply_profile",
    "learn_and_store",
    "settings_with_profile",
    "stored_profile",
]

log = logging.getLogger("adapter.sync")

PROFILE_KEY_PREFIX: Final = "server-profile|"
_PROBE_TAG: Final = {"system": f"{CANONICAL_BASE}/preflight", "code": "probe"}


class _Settings(Protocol):
    def get_setting(self, key: str) -> str | None: ...

    def set_setting(self, key: str, value: str) -> None: ...


def stored_profile(ledger: _Settings, server: str) -> ServerProfile | None:
    """The profile kept for ``server``; None when none was learned (or it cannot be read)."""
    text = ledger.get_setting(PROFILE_KEY_PREFIX + server)
    if text is None:
        return None
    try:
        return ServerProfile.from_dict(json.loads(text))
    except (ValueError, TypeError):
        log.warning("the stored server profile cannot be read; run adapter ping again")
        return None


async def learn_and_store(
    settings: Settings,
    ledger: _Settings,
    statement: Mapping[str, Any],
    namespace: str | None,
    *,
    write: WriteProbe | None = None,
) -> tuple[ServerProfile, list[str]]:
    """Probe the server (one attempt per request), keep its profile in the ledger; the profile
    and what the clean-up could not delete."""
    tags = [_PROBE_TAG] + ([namespace_tag(namespace)] if namespace else [])
    policy = dataclasses.replace(RetryPolicy.from_settings(settings.fhir_retry), max_attempts=1)
    async with open_client(settings, policy=policy) as client:
        profile, left = await learn_profile(client, statement, tags=tags, write=write)
    text = json.dumps(profile.to_dict(), sort_keys=True)
    await asyncio.to_thread(ledger.set_setting, PROFILE_KEY_PREFIX + settings.fhir_base_url, text)
    return profile, left


def apply_profile(settings: Settings, profile: ServerProfile) -> Settings:
    """``settings`` with the profile's choices for what was not set explicitly."""
    given = settings.model_fields_set
    update: dict[str, Any] = {}
    if "fhir_max_transaction_entries" not in given and profile.max_transaction_entries:
        update["fhir_max_transaction_entries"] = profile.max_transaction_entries
    if "pull_strategy" not in given and profile.pull_strategy is not None:
        update["pull_strategy"] = profile.pull_strategy
    if settings.fhir_id_strategy == "auto" and profile.id_strategy == "server":
        update["fhir_id_strategy"] = "server"
    if "fhir_atomic_transactions" not in given and profile.atomic is not None:
        update["fhir_atomic_transactions"] = profile.atomic
    if "resource_types" not in given and profile.writable_types:
        # the case's own types always: a server not declaring them is told by its refusal
        writable = set(profile.writable_types).intersection(RESOURCE_TYPES)
        update["resource_types"] = ",".join(sorted(writable | {"EpisodeOfCare", "Patient"}))
    return settings.model_copy(update=update) if update else settings


async def settings_with_profile(
    settings: Settings, ledger: _Settings, namespace: str | None
) -> Settings:
    """The settings a push or pull runs with: the stored profile applied (learned again first
    when the server's software changed); unchanged when no profile was ever learned."""
    given = settings.model_fields_set
    learned = {"fhir_max_transaction_entries", "pull_strategy", "fhir_atomic_transactions"}
    if learned | {"resource_types", "fhir_id_strategy"} <= given:
        return settings
    profile = await asyncio.to_thread(stored_profile, ledger, settings.fhir_base_url)
    if profile is None:
        return settings
    try:
        statement = await probe_capabilities(settings, attempts=BEFORE_RUN_ATTEMPTS)
        software = statement.get("software") or {}
        now = (software.get("name"), software.get("version"), statement.get("fhirVersion"))
        if now != profile.software:
            log.warning(
                "the server's software changed since its profile was learned; learning it again",
                extra={"was": _words(profile.software), "now": _words(now)},
            )
            profile, _ = await learn_and_store(settings, ledger, statement, namespace)
    except FHIRError as exc:  # the run's own check says whether the server is there
        log.warning("the server profile could not be checked: %s; using the stored one", exc)
    return apply_profile(settings, profile)


def _words(software: tuple[str | None, ...]) -> str:
    return " ".join(part for part in software if part)

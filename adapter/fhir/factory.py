"""Building the FHIR client from settings: the one place that makes the pooled httpx client."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from adapter.fhir.auth import build_auth
from adapter.fhir.client import FHIRClient
from adapter.fhir.ratelimit import RateLimiter
from adapter.fhir.retry import RetryPolicy
from adapter.fhir.tokens import TokenFetcher
from adapter.fhir.write_probe import WriteProbe, probe_write
from adapter.politeness import politeness
from adapter.settings import Settings

__all__ = ["BEFORE_RUN_ATTEMPTS", "open_client", "probe_capabilities", "probe_server"]

BEFORE_RUN_ATTEMPTS = 3
"""Attempts of the reachability check before a push or pull run."""


@asynccontextmanager
async def open_client(
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    policy: RetryPolicy | None = None,
) -> AsyncIterator[FHIRClient]:
    """Yield a FHIRClient for ``settings.fhir_base_url``; its connection pool closes on exit.

    Concurrency, request rate and timeouts follow the server's politeness profile (a public
    server gets few parallel requests, a rate limit and long timeouts).
    ``transport`` and ``policy`` exist for tests (MockTransport, a no-wait policy).
    """
    polite = politeness(settings)
    timeouts = polite.timeouts
    limits = httpx.Limits(
        max_connections=polite.max_concurrency,
        max_keepalive_connections=polite.max_concurrency,
    )
    limiter = (
        None if polite.rate_limit is None else RateLimiter(polite.rate_limit, burst=polite.burst)
    )
    timeout = httpx.Timeout(
        connect=timeouts.connect, read=timeouts.read, write=timeouts.write, pool=timeouts.pool
    )
    # Token requests go to another host on a client of their own (same TLS rules and patience).
    fetcher = TokenFetcher(verify=settings.fhir_verify_tls, timeout=timeout, transport=transport)
    auth = build_auth(
        settings.fhir_auth,
        base_url=settings.fhir_base_url,
        fetcher=fetcher,
        allow_insecure_http=settings.allow_insecure_http,
    )
    http = httpx.AsyncClient(
        auth=auth,
        timeout=timeout,
        limits=limits,
        verify=settings.fhir_verify_tls,
        follow_redirects=False,
        transport=transport,
        headers={"User-Agent": "cm-fhir-adapter"},
    )
    async with http:
        yield FHIRClient(
            http,
            settings.fhir_base_url,
            policy=policy or RetryPolicy.from_settings(settings.fhir_retry),
            max_concurrency=polite.max_concurrency,
            adaptive_concurrency=settings.fhir_adaptive_concurrency,
            rate_limiter=limiter,
            deadline=timeouts.total,
            max_response_bytes=settings.fhir_max_response_bytes,
            max_transaction_entries=settings.fhir_max_transaction_entries,
            server_ids=settings.fhir_id_strategy == "server",
            atomic_transactions=settings.fhir_atomic_transactions is not False,
            resource_types=_types(settings.resource_types),
        )


async def probe_capabilities(
    settings: Settings,
    *,
    attempts: int = 1,
    transport: httpx.AsyncBaseTransport | None = None,
) -> dict[str, Any]:
    """The server's CapabilityStatement, asked at most ``attempts`` times (the retry layer's
    backoff and time cap apply between them).

    For "is the server there?": a ping (one attempt: what the server does now), and the check
    before a run, which would otherwise dead-letter every case against a server that is down;
    that one takes a few attempts so a single 429, 503 or reset does not stop the run.
    """
    async with open_client(settings, transport=transport, policy=_capped(settings, attempts)) as c:
        return dict(await c.capabilities())


async def probe_server(
    settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None
) -> tuple[dict[str, Any], WriteProbe]:
    """For ``adapter ping``: the CapabilityStatement, then whether writes are accepted (a probe
    that stores nothing, see :mod:`adapter.fhir.write_probe`); one attempt each."""
    async with open_client(settings, transport=transport, policy=_capped(settings, 1)) as c:
        statement = dict(await c.capabilities())
        return statement, await probe_write(c)


def _types(text: str | None) -> list[str] | None:
    """``ADAPTER_RESOURCE_TYPES`` as a list (None: not set)."""
    if text is None or not text.strip():
        return None
    return [part.strip() for part in text.split(",") if part.strip()]


def _capped(settings: Settings, attempts: int) -> RetryPolicy:
    policy = RetryPolicy.from_settings(settings.fhir_retry)
    return dataclasses.replace(policy, max_attempts=max(1, min(attempts, policy.max_attempts)))

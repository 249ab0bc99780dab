"""Retries, as a layer of their own: which failures to repeat, how long to wait, when to stop.

The decision is data: :data:`STATUS_RULES` by HTTP status and :data:`CODE_RULES` by (status,
server code), each saying whether an idempotent and a non-idempotent request may be repeated.
A non-idempotent request (a plain POST create, PATCH) is repeated only when the failure proves
the server did not act on it (connect failure, 408/425/429, a rolled-back 409); after an
ambiguous failure (timeout once sent, 5xx) the error is raised so the caller verifies by reading.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception

from adapter.errors import FHIRStatusError, FHIRTransportError, RateLimited, ServerError
from adapter.settings import RetrySettings

__all__ = [
    "CODE_RULES",
    "STATUS_RULES",
    "RetryPolicy",
    "Rule",
    "bundle_is_idempotent",
    "call_with_retries",
    "classify",
    "should_retry",
]

log = logging.getLogger("adapter.fhir.retry")
T = TypeVar("T")


@dataclass(frozen=True)
class Rule:
    """May a request failing this way be repeated: if idempotent, if not, and why."""

    idempotent: bool
    non_idempotent: bool
    reason: str


_NEVER = Rule(idempotent=False, non_idempotent=False, reason="permanent")

STATUS_RULES: Mapping[int, Rule] = {
    400: Rule(False, False, "invalid request or resource"),
    401: Rule(False, False, "not authenticated"),
    403: Rule(False, False, "forbidden"),
    404: Rule(False, False, "not found"),
    408: Rule(True, True, "request timeout: the server never read the whole request"),
    409: Rule(False, False, "version conflict: refetch and merge"),
    410: Rule(False, False, "gone (or paging link expired: restart the search)"),
    412: Rule(False, False, "precondition failed: ambiguous match or stale If-Match"),
    413: Rule(False, False, "payload too large: split it"),
    422: Rule(False, False, "unprocessable resource"),
    425: Rule(True, True, "too early: the server refused before acting"),
    429: Rule(True, True, "rate limited: the server refused before acting"),
    500: Rule(True, False, "server error: outcome of a write unknown"),
    502: Rule(True, False, "bad gateway: outcome of a write unknown"),
    503: Rule(True, False, "unavailable: outcome of a write unknown"),
    504: Rule(True, False, "gateway timeout: outcome of a write unknown"),
}

# HAPI codes that override the status rule (listed in docs/fhir-client.md). A rolled-back 409
# wrote nothing, so even a non-idempotent request may be repeated after it.
CODE_RULES: Mapping[tuple[int, str], Rule] = {
    (409, "HAPI-0550"): Rule(True, True, "constraint race, rolled back (e.g. conditional create)"),
    (409, "HAPI-0823"): Rule(True, True, "concurrent write to the same resource, rolled back"),
    (409, "HAPI-0825"): Rule(True, True, "concurrent create of the same id, rolled back"),
    (409, "HAPI-0826"): Rule(True, True, "concurrent write to the same resource, rolled back"),
    (409, "HAPI-0827"): Rule(True, True, "concurrent write to the same resource, rolled back"),
    (409, "HAPI-0549"): Rule(True, True, "server-side version-conflict retries exhausted"),
    (409, "HAPI-0824"): Rule(False, False, "unique index clash"),
    (409, "HAPI-0515"): Rule(False, False, "delete blocked by references"),
    (409, "HAPI-0989"): Rule(False, False, "stale If-Match on update: refetch and merge"),
    (409, "HAPI-0961"): Rule(False, False, "stale version on delete: refetch"),
    (410, "HAPI-0417"): Rule(False, False, "paging link expired: restart the search"),
    (500, "HAPI-2223"): Rule(True, False, "internal error wrapper: outcome of a write unknown"),
}


@dataclass(frozen=True)
class RetryPolicy:
    """Caps and backoff. ``sleep`` False computes waits (and honours the time cap) but never
    sleeps: what tests use."""

    max_attempts: int = 5
    max_total_seconds: float = 60.0
    initial_wait: float = 0.5
    max_wait: float = 10.0
    sleep: bool = True

    @classmethod
    def from_settings(cls, settings: RetrySettings) -> RetryPolicy:
        return cls(**settings.model_dump())

    def no_wait(self) -> RetryPolicy:
        """The same caps, without real sleeping."""
        return replace(self, sleep=False)

    def backoff(self, attempt: int, retry_after: float | None) -> float:
        """Full-jitter exponential wait before attempt ``attempt + 1``; at least Retry-After."""
        ceiling = min(self.max_wait, self.initial_wait * 2 ** (attempt - 1))
        jitter = random.uniform(0, ceiling)  # noqa: S311  (jitter, not cryptography)
        return max(jitter, retry_after) if retry_after is not None else jitter


def classify(error: BaseException) -> Rule:
    """The rule for one failure. Anything not listed is permanent: no blind retries."""
    if isinstance(error, FHIRTransportError):
        if not error.request_sent:
            return Rule(True, True, "never reached the server")
        return Rule(True, False, "no answer: outcome of a write unknown")
    if isinstance(error, FHIRStatusError):
        if error.server_code and (error.status, error.server_code) in CODE_RULES:
            return CODE_RULES[(error.status, error.server_code)]
        return STATUS_RULES.get(error.status, _NEVER)
    return _NEVER


def should_retry(error: BaseException, *, idempotent: bool) -> bool:
    """Whether this failure of a request of this kind may be repeated."""
    rule = classify(error)
    return rule.idempotent if idempotent else rule.non_idempotent


def bundle_is_idempotent(bundle: Mapping[str, Any]) -> bool:
    """True when resending the whole Bundle cannot duplicate anything: every entry is a read,
    a PUT, a DELETE or a POST with ``ifNoneExist``."""
    for entry in bundle.get("entry") or []:
        request = entry.get("request") or {}
        method = str(request.get("method", "")).upper()
        if method == "PATCH" or (method == "POST" and not request.get("ifNoneExist")):
            return False
    return True


@dataclass(frozen=True)
class _Attempts:
    """tenacity's hooks for one call: backoff, caps, the log line, giving up."""

    policy: RetryPolicy
    method: str
    resource_type: str

    def wait(self, state: RetryCallState) -> float:
        return self.policy.backoff(state.attempt_number, _retry_after(state))

    def stop(self, state: RetryCallState) -> bool:
        # Without real sleeps, the waits still count against the time cap.
        elapsed = (state.seconds_since_start or 0.0) + (
            0.0 if self.policy.sleep else state.idle_for
        )
        over_time = elapsed + state.upcoming_sleep > self.policy.max_total_seconds
        return state.attempt_number >= self.policy.max_attempts or over_time

    def give_up(self, state: RetryCallState) -> Any:
        error = _error(state)
        error.add_note(f"gave up after {state.attempt_number} attempt(s)")
        raise error

    def log(self, state: RetryCallState) -> None:
        error = _error(state)
        fields = {
            "event": "fhir.retry",
            "method": self.method,
            "resource_type": self.resource_type,
            "status": getattr(error, "status", None),
            "server_code": getattr(error, "server_code", None),
            "error": type(error).__name__,
            "attempt": state.attempt_number,
            "wait": state.upcoming_sleep,
            "reason": classify(error).reason,
        }
        log.warning(
            "fhir retry %(method)s %(resource_type)s attempt=%(attempt)d wait=%(wait).2fs "
            "status=%(status)s error=%(error)s",
            fields,
            extra=fields,
        )


async def call_with_retries(
    send: Callable[[], Awaitable[T]],
    *,
    policy: RetryPolicy,
    idempotent: bool,
    method: str,
    resource_type: str,
) -> T:
    """Await ``send()`` until it succeeds, the failure is permanent, or a cap is reached.

    On giving up, the last error is raised as it was (with a note saying how many attempts).
    """
    hooks = _Attempts(policy, method, resource_type)
    retrying = AsyncRetrying(
        retry=retry_if_exception(lambda exc: should_retry(exc, idempotent=idempotent)),
        wait=hooks.wait,
        stop=hooks.stop,
        sleep=asyncio.sleep if policy.sleep else _no_sleep,
        before_sleep=hooks.log,
        retry_error_callback=hooks.give_up,
    )
    return await retrying(send)


async def _no_sleep(_seconds: float) -> None:
    return None


def _error(state: RetryCallState) -> BaseException:
    assert state.outcome is not None
    error = state.outcome.exception()
    assert error is not None
    return error


def _retry_after(state: RetryCallState) -> float | None:
    error = _error(state)
    if isinstance(error, (RateLimited, ServerError)):
        return error.retry_after
    return None

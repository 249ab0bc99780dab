"""Why a case failed, as the dead-letter list says it: a reason code and a message free of
patient data, plus the server's status, code and OperationOutcome."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from adapter.errors import (
    AccessDenied,
    AdapterError,
    AmbiguousMatch,
    DeadlineExceeded,
    FHIRStatusError,
    InputError,
    InvalidResource,
    MappingError,
    ResourceNotFound,
    ResponseError,
    TokenEndpointError,
    VersionConflict,
)
from adapter.fhir.outcome import trimmed
from adapter.sync.ledger.schema import ReasonCode

__all__ = [
    "Failure",
    "classify",
    "is_entry_rejection",
    "is_version_conflict",
    "stops_the_run",
    "where",
]

# HAPI codes that mean "a referenced resource does not exist" (write integrity, conditional ref).
# 1094: no such resource; 1096: it was deleted; 1091: a conditional reference matched nothing.
_DANGLING = frozenset({"HAPI-1094", "HAPI-1096", "HAPI-1091"})
# 412 codes that mean "your identity matches several resources", not "stale version".
_AMBIGUOUS = frozenset({"HAPI-0958", "HAPI-0988", "HAPI-0972", "HAPI-1092", "HAPI-2207"})


@dataclass(frozen=True)
class Failure:
    """One failure, ready for the ledger (``record_failure`` / ``record_partial``)."""

    reason: ReasonCode
    error_class: str
    message: str
    status: int | None = None
    server_code: str | None = None
    outcome: dict[str, Any] | None = None

    def ledger_fields(self) -> dict[str, Any]:
        return {
            "error_class": self.error_class,
            "message": self.message,
            "operation_outcome": self.outcome,
            "http_status": self.status,
            "server_code": self.server_code,
        }

    def about(self, prefix: str) -> Failure:
        """The same failure with ``prefix`` (e.g. the resource it concerns) before the message."""
        return Failure(
            self.reason,
            self.error_class,
            f"{prefix}: {self.message}",
            self.status,
            self.server_code,
            self.outcome,
        )


def classify(exc: AdapterError) -> Failure:
    """The reason code and a patient-data-free message for an error."""
    name = type(exc).__name__
    if isinstance(exc, InputError):
        return Failure(ReasonCode.INVALID_INPUT, name, str(exc))
    if isinstance(exc, MappingError):
        return Failure(ReasonCode.INVALID_INPUT, name, str(exc))
    # Our own messages: entry numbers, methods, types, the ids we sent and our limits, never
    # a value the server made up.
    if isinstance(exc, ResponseError):
        return Failure(ReasonCode.INVALID_RESPONSE, name, str(exc))
    if isinstance(exc, DeadlineExceeded):
        return Failure(ReasonCode.RETRIES_EXHAUSTED, name, str(exc))
    if not isinstance(exc, FHIRStatusError):
        # Transport failures and 5xx reach us only once the retry layer has given up.
        return Failure(ReasonCode.RETRIES_EXHAUSTED, name, _safe(exc))
    return Failure(
        _status_reason(exc),
        name,
        _status_message(exc),
        status=exc.status,
        server_code=exc.server_code,
        # the server's words, trimmed: shown by explain, dlq show and the API, never logged
        outcome=trimmed(exc.outcome),
    )


def stops_the_run(exc: AdapterError) -> bool:
    """Refused credentials (401/403, or no token at all): every other case would fail the same
    way, so the run stops instead of dead-lettering each of them."""
    return isinstance(exc, AccessDenied | TokenEndpointError)


def is_version_conflict(exc: AdapterError) -> bool:
    """A stale If-Match: HAPI's 409, or a spec-following server's 412 on a versioned write."""
    if isinstance(exc, VersionConflict):
        return True
    return isinstance(exc, AmbiguousMatch) and not _AMBIGUOUS.intersection(exc.server_codes)


def is_entry_rejection(exc: AdapterError) -> bool:
    """The server refused one entry of a transaction for what it holds: invalid content
    (400/422), or a reference to something it does not have. HAPI answers a conditional
    reference that matched nothing (``Patient?identifier=...``) with 404 HAPI-1091, naming no
    entry; like a literal reference to a missing resource (HAPI-1094) it concerns only the entry
    that holds it, so splitting the transaction isolates it. Any other 404 (an unknown type, a
    wrong base URL) would fail every half and is not split."""
    if isinstance(exc, InvalidResource):
        return True
    return isinstance(exc, FHIRStatusError) and bool(_DANGLING.intersection(exc.server_codes))


def where(exc: FHIRStatusError) -> list[str]:
    """The FHIRPath locations the server pointed at (element paths, no values)."""
    return [loc for issue in exc.issues for loc in issue.get("locations") or []]


def _status_reason(exc: FHIRStatusError) -> ReasonCode:
    if _DANGLING.intersection(exc.server_codes):
        return ReasonCode.DANGLING_REFERENCE
    if isinstance(exc, AccessDenied):
        return ReasonCode.AUTH
    if is_version_conflict(exc):
        return ReasonCode.CONFLICT
    if isinstance(exc, AmbiguousMatch):
        return ReasonCode.DUPLICATE_IDENTITY
    if isinstance(exc, InvalidResource | ResourceNotFound) or 400 <= exc.status < 500:
        return ReasonCode.INVALID_RESOURCE
    return ReasonCode.RETRIES_EXHAUSTED


def _status_message(exc: FHIRStatusError) -> str:
    # Diagnostics may quote submitted values: the message keeps codes and paths only, the
    # OperationOutcome (shown by `adapter explain`) keeps the rest.
    parts = [f"HTTP {exc.status}"]
    parts += [code for code in exc.server_codes if code != "HAPI-0550"]
    locations = where(exc)
    if locations:
        parts.append("at " + ", ".join(dict.fromkeys(locations)))
    return " ".join(parts)


def _safe(exc: AdapterError) -> str:
    method = getattr(exc, "method", None)
    return f"{type(exc).__name__} on {method}" if method else type(exc).__name__

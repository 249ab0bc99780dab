"""The adapter's one error tree.

Every exception the adapter raises on purpose is an ``AdapterError``. Foreign exceptions
(httpx, pydantic, SQLAlchemy) are translated into this tree at exactly one seam per layer;
callers never need to catch anything else. Context lives in attributes, not in the message.

::

    AdapterError
    ├── ConfigError                  settings missing, inconsistent or unsafe (e.g. plain http)
    ├── InputError                   an internal record is invalid (record id + field path + reason)
    │   └── TransitionError          an illegal status change (from -> to, and the table's rule)
    ├── MappingError                 internal <-> FHIR translation failed (element + code)
    ├── LedgerError                  the sync ledger cannot be read or written
    ├── ConflictError                a conflict cannot be settled as asked (resolved already, ...)
    │   └── ConflictNotFound         no conflict with that id in the ledger
    └── FHIRError                    anything that went wrong talking to a FHIR server
        ├── FHIRTransportError       no usable HTTP answer (connect/read timeout, reset); retryable;
        │   │                        ``request_sent`` False only when it surely never left us
        │   └── DeadlineExceeded     no complete answer within the request's total deadline
        ├── UnsafeURLError           a URL outside the configured base (e.g. a foreign `next` link)
        ├── ResponseError            an answer that is not the FHIR the client expected, or that
        │   │                        does not match the request (another id, no version, ...)
        │   └── ResponseTooLarge     an answer larger than the configured maximum (not read further)
        ├── TokenEndpointError       the OAuth2 token endpoint is unreachable or refused the client
        ├── UnsupportedByServer      the server refuses every way the adapter knows to do a thing
        │                            (e.g. read changes: no history at any level, no search)
        └── FHIRStatusError          an HTTP error status, with the OperationOutcome and server code
            ├── InvalidResource      400 / 422: the server rejected the content (FHIRPath locations)
            ├── AccessDenied         401 / 403
            ├── ResourceNotFound     404
            │   └── ResourceGone     410 on a resource (deleted)
            ├── PagingExpired        410 on a paging link
            ├── VersionConflict      409, or 412 on If-Match (HAPI answers 409, the spec says 412)
            ├── ResourceInUse        409 on delete: still referenced by others (HAPI-0515)
            ├── AmbiguousMatch       412 on a conditional operation matching more than one resource
            ├── RateLimited          429 (``retry_after`` in seconds when the server said)
            └── ServerError          5xx
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "AccessDenied",
    "AdapterError",
    "AmbiguousMatch",
    "ConfigError",
    "ConflictError",
    "ConflictNotFound",
    "DeadlineExceeded",
    "FHIRError",
    "FHIRStatusError",
    "FHIRTransportError",
    "InputError",
    "InvalidResource",
    "LedgerError",
    "MappingError",
    "PagingExpired",
    "RateLimited",
    "ResourceGone",
    "ResourceInUse",
    "ResourceNotFound",
    "ResponseError",
    "ResponseTooLarge",
    "ServerError",
    "TokenEndpointError",
    "TransitionError",
    "UnsafeURLError",
    "UnsupportedByServer",
    "VersionConflict",
]


class AdapterError(Exception):
    """Base of every error the adapter raises on purpose."""


class ConfigError(AdapterError):
    """Settings are missing, inconsistent or unsafe."""


class InputError(AdapterError):
    """An internal record is invalid.

    ``record`` names the record (e.g. ``case CM-1001``), ``field`` the dotted path inside it
    (e.g. ``plan.goals[2].target.due``) and ``reason`` what is wrong, in words.
    """

    def __init__(self, *, record: str, field: str, reason: str) -> None:
        self.record = record
        self.field = field
        self.reason = reason
        super().__init__(f"{record}: {field}: {reason}")


class TransitionError(InputError):
    """A status change the transition table does not allow."""

    def __init__(self, *, record: str, field: str, current: str, requested: str) -> None:
        self.current = current
        self.requested = requested
        super().__init__(
            record=record,
            field=field,
            reason=f"illegal transition {current!r} -> {requested!r}",
        )


class MappingError(AdapterError):
    """Translation between the internal model and FHIR failed.

    ``element`` is the FHIR element or internal field (e.g. ``Goal.lifecycleStatus``) and
    ``code`` the value that could not be translated, when there is one.
    """

    def __init__(
        self,
        message: str,
        *,
        resource: str | None = None,
        element: str | None = None,
        code: str | None = None,
    ) -> None:
        self.resource = resource
        self.element = element
        self.code = code
        where = "/".join(part for part in (resource, element) if part)
        super().__init__(f"{where}: {message}" if where else message)


class LedgerError(AdapterError):
    """The sync ledger cannot be read or written.

    ``url`` is the ledger's database URL with any password masked; ``operation`` names what was
    being done (e.g. ``open``, ``record_success``) when the error came from the database.
    """

    def __init__(
        self, message: str, *, url: str | None = None, operation: str | None = None
    ) -> None:
        self.url = url
        self.operation = operation
        super().__init__(message)


class ConflictError(AdapterError):
    """A conflict cannot be settled as asked. ``conflict_id`` names it; the message says why
    (element paths and codes only, never values)."""

    def __init__(self, message: str, *, conflict_id: int) -> None:
        self.conflict_id = conflict_id
        super().__init__(message)


class ConflictNotFound(ConflictError):
    """No conflict with that id in the ledger."""


class FHIRError(AdapterError):
    """Anything that went wrong talking to a FHIR server."""

    def __init__(self, message: str, *, method: str | None = None, url: str | None = None) -> None:
        self.method = method
        self.url = url
        super().__init__(message)


class FHIRTransportError(FHIRError):
    """No usable HTTP answer: connect or read timeout, connection reset, protocol error.

    ``request_sent`` is False only when the request certainly never reached the server (connect
    failure, pool timeout): then even a non-idempotent request may be repeated. When True the
    server may have acted on it: a plain POST must be verified by reading before it is resent.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        url: str | None = None,
        request_sent: bool = True,
    ) -> None:
        self.request_sent = request_sent
        super().__init__(message, method=method, url=url)


class DeadlineExceeded(FHIRTransportError):
    """No complete answer within the total deadline of one request (``deadline`` seconds),
    however steadily the server trickled it: per-read timeouts alone never end such a request."""

    def __init__(
        self, message: str, *, deadline: float, method: str | None = None, url: str | None = None
    ) -> None:
        self.deadline = deadline
        super().__init__(message, method=method, url=url, request_sent=True)


class UnsafeURLError(FHIRError):
    """A URL outside the configured base URL was refused (never requested)."""


class ResponseError(FHIRError):
    """The server answered, but not with the FHIR content the client expected."""


class ResponseTooLarge(ResponseError):
    """The answer was larger than ``limit`` bytes (declared or as read); reading stopped there."""

    def __init__(
        self, message: str, *, limit: int, method: str | None = None, url: str | None = None
    ) -> None:
        self.limit = limit
        super().__init__(message, method=method, url=url)


class TokenEndpointError(FHIRError):
    """The OAuth2 token endpoint could not be reached, or it refused to issue a token.

    ``url`` is the token endpoint; ``status`` its HTTP status (None when there was no answer);
    ``error`` the OAuth2 error code it gave (``invalid_client``, ``invalid_scope``, ...);
    ``client_id`` and ``scope`` what was asked for. Never the secret or the key.
    """

    def __init__(
        self,
        message: str,
        *,
        url: str,
        status: int | None = None,
        error: str | None = None,
        client_id: str | None = None,
        scope: str | None = None,
    ) -> None:
        self.status = status
        self.error = error
        self.client_id = client_id
        self.scope = scope
        super().__init__(message, method="POST", url=url)


class UnsupportedByServer(FHIRError):
    """The server said it does not support any of the ways the adapter has to do something;
    the message names each way tried and the server's answer to it."""


class FHIRStatusError(FHIRError):
    """The server answered with an HTTP error status.

    ``outcome`` is the parsed OperationOutcome (a dict) when the body held one; ``server_code``
    the server's own diagnostic code (e.g. ``HAPI-0989``) when one was found in it, skipping
    mere wrappers (``HAPI-0550: HAPI-0823: ...`` gives ``HAPI-0823``); ``server_codes`` all codes
    found, in order; ``issues`` the OperationOutcome issues as (severity, code, diagnostics,
    locations) dicts, ``locations`` holding the FHIRPath expressions.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        method: str | None = None,
        url: str | None = None,
        outcome: Mapping[str, Any] | None = None,
        server_code: str | None = None,
        server_codes: Sequence[str] = (),
        issues: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        self.status = status
        self.outcome = dict(outcome) if outcome is not None else None
        self.server_code = server_code
        self.server_codes = tuple(server_codes) or ((server_code,) if server_code else ())
        self.issues = [dict(issue) for issue in issues]
        super().__init__(message, method=method, url=url)


class InvalidResource(FHIRStatusError):
    """400 / 422: the server rejected the resource's content."""


class AccessDenied(FHIRStatusError):
    """401 / 403: missing, expired or insufficient credentials."""


class ResourceNotFound(FHIRStatusError):
    """404: no such resource (or type) on the server."""


class ResourceGone(ResourceNotFound):
    """410 on a resource: it was deleted."""


class PagingExpired(FHIRStatusError):
    """410 on a paging link: the server dropped the search; start the search again."""


class VersionConflict(FHIRStatusError):
    """409, or 412 on an If-Match update: someone else changed the resource first."""


class ResourceInUse(FHIRStatusError):
    """409 on a delete: other resources still reference this one (HAPI-0515)."""


class AmbiguousMatch(FHIRStatusError):
    """412 on a conditional operation: the criteria matched more than one resource."""


class RateLimited(FHIRStatusError):
    """429: too many requests. ``retry_after`` is the server's wait in seconds, if it said."""

    def __init__(
        self, message: str, *, status: int = 429, retry_after: float | None = None, **kw: Any
    ) -> None:
        self.retry_after = retry_after
        super().__init__(message, status=status, **kw)


class ServerError(FHIRStatusError):
    """5xx: the server failed. ``retry_after`` is set when a 503 carried Retry-After."""

    def __init__(
        self, message: str, *, status: int, retry_after: float | None = None, **kw: Any
    ) -> None:
        self.retry_after = retry_after
        super().__init__(message, status=status, **kw)

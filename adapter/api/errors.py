"""The API's one seam for errors: every failure leaves as a FHIR OperationOutcome.

:class:`adapter.errors.AdapterError` gets an HTTP status from :func:`status_for`; FastAPI's
request validation and HTTP exceptions get the same body shape. Unexpected exceptions are
caught by :class:`adapter.api.telemetry.ObserveRequests`, which answers with
:func:`internal_error`. Bodies never echo request content: it may hold patient data.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from adapter.errors import (
    AdapterError,
    ConfigError,
    FHIRError,
    FHIRStatusError,
    FHIRTransportError,
    InputError,
    LedgerError,
    MappingError,
    TransitionError,
)

__all__ = [
    "install_error_handlers",
    "internal_error",
    "invalid_input",
    "outcome",
    "outcome_response",
    "route_template",
]

log = logging.getLogger("adapter.api")

FHIR_JSON = "application/fhir+json"

# HTTP status -> OperationOutcome issue code for errors raised as HTTPException.
_ISSUE_CODES = {
    400: "structure",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    409: "conflict",
    413: "too-costly",
    415: "not-supported",
}


def outcome(
    code: str, diagnostics: str, *, expression: Sequence[str] = (), severity: str = "error"
) -> dict[str, Any]:
    """An OperationOutcome with one issue."""
    issue: dict[str, Any] = {"severity": severity, "code": code, "diagnostics": diagnostics}
    if expression:
        issue["expression"] = list(expression)
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def outcome_response(
    status: int, body: dict[str, Any], headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=FHIR_JSON, headers=headers)


def invalid_input(problems: Sequence[InputError]) -> JSONResponse:
    """422 listing every problem of a rejected record, each with its field path."""
    issues = [_input_issue(problem) for problem in problems]
    return outcome_response(422, {"resourceType": "OperationOutcome", "issue": issues})


def _input_issue(exc: InputError) -> dict[str, Any]:
    code = "business-rule" if isinstance(exc, TransitionError) else "invalid"
    return outcome(code, str(exc), expression=[exc.field])["issue"][0]  # type: ignore[no-any-return]


def internal_error() -> JSONResponse:
    """The answer to anything unexpected: no class name, no message, nothing to leak."""
    return outcome_response(500, outcome("exception", "internal error; see the service log"))


def status_for(exc: AdapterError) -> int:
    """The HTTP status an adapter error is answered with."""
    if isinstance(exc, InputError | MappingError):
        return 422
    if isinstance(exc, LedgerError):
        return 503
    if isinstance(exc, FHIRTransportError):
        return 504
    if isinstance(exc, FHIRError):
        return 502
    return 500


def _body(exc: AdapterError) -> dict[str, Any]:
    if isinstance(exc, InputError):
        return {"resourceType": "OperationOutcome", "issue": [_input_issue(exc)]}
    if isinstance(exc, MappingError):
        where = [exc.element] if exc.element else []
        return outcome("processing", str(exc), expression=where)
    if isinstance(exc, ConfigError):
        return outcome("exception", "the adapter is misconfigured; see the service log")
    if isinstance(exc, LedgerError):
        return outcome("transient", "the sync ledger is unavailable; try again later")
    if isinstance(exc, FHIRStatusError):
        # The server's own OperationOutcome is not passed on: it may quote resource content.
        code = f" {exc.server_code}" if exc.server_code else ""
        text = f"the FHIR server answered HTTP {exc.status}{code} ({type(exc).__name__})"
        return outcome("exception", text)
    if isinstance(exc, FHIRTransportError):
        return outcome("timeout", "the FHIR server could not be reached or did not answer")
    if isinstance(exc, FHIRError):
        return outcome("exception", f"talking to the FHIR server failed ({type(exc).__name__})")
    return outcome("exception", "internal error; see the service log")


async def _adapter_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AdapterError)
    status = status_for(exc)
    if status >= 500:
        # Adapter errors carry ids, codes and settings names, never patient data.
        log.error(
            "%s %s failed: %s: %s",
            request.method,
            route_template(request.scope),
            type(exc).__name__,
            exc,
        )
    return outcome_response(status, _body(exc))


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    issues = [
        {
            "severity": "error",
            "code": "invalid" if error.get("type") != "json_invalid" else "structure",
            "diagnostics": str(error.get("msg", "invalid")),
            "expression": [_path(error.get("loc", ()))],
        }
        for error in exc.errors()
    ]
    return outcome_response(422, {"resourceType": "OperationOutcome", "issue": issues})


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = _ISSUE_CODES.get(exc.status_code, "processing")
    body = outcome(code, str(exc.detail))
    return outcome_response(exc.status_code, body, headers=exc.headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AdapterError, _adapter_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)


def _path(location: Sequence[Any]) -> str:
    # FastAPI prefixes the part of the request ("body", "query"); the field path follows it.
    parts = [str(part) for part in location[1:]] if len(location) > 1 else list(map(str, location))
    return ".".join(parts) or "(request)"


def route_template(scope: Mapping[str, Any]) -> str:
    """The matched route's template (``/cases/{case_id}``), never the concrete path with ids."""
    route = scope.get("route")
    return str(getattr(route, "path", "(unmatched)"))

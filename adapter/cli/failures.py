"""What a command prints when a FHIR server fails it: one line, the server's own status, a hint.

Never a stack trace, never a resource or its content (only statuses, server codes and URLs),
so the line is safe to paste into a ticket.
"""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from adapter.errors import (
    AccessDenied,
    AdapterError,
    FHIRStatusError,
    FHIRTransportError,
    RateLimited,
    ResponseError,
    ServerError,
    TokenEndpointError,
)
from adapter.settings import AuthSettings

__all__ = [
    "EXIT_CONFIG",
    "EXIT_FAILED",
    "EXIT_UNREACHABLE",
    "describe",
    "describe_refusal",
    "fail",
    "last_resort",
]

EXIT_FAILED = 1
EXIT_CONFIG = 2
EXIT_UNREACHABLE = 3

_HINTS: tuple[tuple[type[FHIRStatusError], str], ...] = (
    (ServerError, "the server is down or overloaded (public sandboxes often are); try later"),
    (RateLimited, "the server asks for fewer requests: lower ADAPTER_FHIR_RATE_LIMIT"),
    (AccessDenied, "check ADAPTER_FHIR_AUTH__* (public sandboxes need none)"),
)


def describe(exc: AdapterError, url: str) -> str:
    """One line about ``exc`` met while talking to the server at ``url``."""
    if isinstance(exc, TokenEndpointError):
        return f"{exc}: check ADAPTER_FHIR_AUTH__* (no request reached {url})"
    if isinstance(exc, FHIRTransportError):
        return f"cannot reach a FHIR server at {url} ({exc})"
    if isinstance(exc, ResponseError):
        return f"{url} did not answer like a FHIR server: {exc}"
    if isinstance(exc, FHIRStatusError):
        code = f" {exc.server_code}" if exc.server_code else ""
        line = f"{url} answered HTTP {exc.status}{code} ({exc})"
        hint = next((text for cls, text in _HINTS if isinstance(exc, cls)), None)
        return f"{line}: {hint}" if hint else line
    return f"{url}: {exc}"


def describe_refusal(exc: AccessDenied | TokenEndpointError, url: str, auth: AuthSettings) -> str:
    """The one line a run ends with when the server or token endpoint refuses our credentials."""
    if isinstance(exc, TokenEndpointError):
        return f"run stopped: {describe(exc, url)}"
    what = "write" if exc.method in ("POST", "PUT", "PATCH", "DELETE") else "request"
    code = f" {exc.server_code}" if exc.server_code else ""
    return (
        f"run stopped at the first refused {what}: {url} answered HTTP {exc.status}{code} "
        f"to {auth.describe()}; the remaining cases were not sent and nothing was "
        "dead-lettered: fix ADAPTER_FHIR_AUTH__* (or the client's rights) and push again"
    )


def fail(message: str, code: int) -> NoReturn:
    """Print ``message`` as an error on stderr and leave with ``code``."""
    Console(stderr=True, soft_wrap=True).print(
        f"[red]error:[/red] {escape(message)}", highlight=False
    )
    raise typer.Exit(code)


def last_resort(exc: BaseException) -> str:
    """One line for an error no command handled: the adapter's own message, or for anything
    else only its class and where it was raised (a foreign message may quote patient data)."""
    hint = "--debug or ADAPTER_DEBUG=1 shows the traceback"
    if isinstance(exc, AdapterError):
        return f"{exc} ({hint})"
    frames = traceback.extract_tb(exc.__traceback__)
    where = ""
    if frames:
        last = frames[-1]
        where = f" in {last.name} ({Path(last.filename).name}:{last.lineno})"
    return f"unexpected {type(exc).__name__}{where}; {hint}"

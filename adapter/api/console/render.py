"""Rendering the console's pages: the templates (package data), the header every page shows,
the security headers, and the dependency that sends a visitor without a session to sign in."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from adapter.api.console.session import Session, Sessions
from adapter.api.state import AppState

__all__ = ["HEADERS", "SignInFirst", "back", "page", "sessions_of", "signed_in"]

_templates = Environment(
    loader=PackageLoader("adapter.api.console", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)

HEADERS = {
    # No script at all, styles from the console only, forms post back to the console only.
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class SignInFirst(Exception):
    """No valid session (redirect to the sign-in form), or a form without its CSRF token
    (``forbidden``: 403)."""

    def __init__(self, *, forbidden: bool = False) -> None:
        self.forbidden = forbidden
        super().__init__("sign in first" if not forbidden else "the form's CSRF token is wrong")


def sessions_of(request: Request) -> Sessions:
    sessions: Sessions = request.app.state.console_sessions
    return sessions


def signed_in(request: Request) -> Session:
    """The request's session; :class:`SignInFirst` when there is none."""
    session = sessions_of(request).current(request)
    if session is None:
        raise SignInFirst
    return session


async def refuse(request: Request, exc: Exception) -> Response:
    """The handler of :class:`SignInFirst`."""
    if isinstance(exc, SignInFirst) and exc.forbidden:
        text = "This form has expired or did not come from the console. Go back and try again."
        return page(request, "message.html", None, status=403, text=text)
    return RedirectResponse("/console/sign-in", status_code=303, headers=HEADERS)


def page(
    request: Request, template: str, session: Session | None, *, status: int = 200, **data: Any
) -> HTMLResponse:
    """``template`` rendered with the header's facts, the session's CSRF token and the notice
    a redirect carried."""
    state: AppState | None = getattr(request.app.state, "adapter", None)
    settings = state.settings if state is not None else None
    html = _templates.get_template(template).render(
        namespace=settings.namespace if settings is not None else None,
        server=settings.fhir_base_url if settings is not None else None,
        running=state.runs.current if state is not None else None,
        csrf=session.csrf if session is not None else None,
        notice=sessions_of(request).unseal(request.query_params.get("notice")),
        path=request.url.path,
        **data,
    )
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def back(request: Request, path: str, notice: str) -> Response:
    """Redirect (303, after a POST) to ``path`` showing ``notice``."""
    query = urlencode({"notice": sessions_of(request).seal(notice)})
    return RedirectResponse(f"{path}?{query}", status_code=303, headers=HEADERS)

"""The operations console at ``/console/`` (``adapter serve``): see docs/console.md.

Needs the ``console`` extra (Jinja2, itsdangerous, python-multipart); without it ``/console/``
answers 501 saying so, and the API is unchanged.
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse, Response

from adapter.settings import Settings

__all__ = ["install_console"]

_EXTRA = {"jinja2", "itsdangerous", "multipart", "python_multipart"}


def install_console(app: FastAPI, settings: Settings) -> bool:
    """Add the console's routes to ``app``; False (and a 501 page) without its extra."""
    try:
        from adapter.api.console.pages import router
        from adapter.api.console.render import HEADERS, SignInFirst, refuse
        from adapter.api.console.session import Sessions
        from adapter.api.security import Guard
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in _EXTRA:
            raise

        @app.get("/console/{rest:path}", include_in_schema=False)
        async def missing(rest: str) -> Response:
            text = "The console needs its extra: pip install 'cm-fhir-adapter[console]'\n"
            return PlainTextResponse(text, status_code=501)

        return False

    guard = Guard([settings.api_token], allow_no_auth=settings.api_allow_no_auth)
    app.state.console_sessions = Sessions(settings, guard)
    app.add_exception_handler(SignInFirst, refuse)
    app.include_router(router)
    style = files("adapter.api.console").joinpath("templates", "console.css").read_text()

    @app.get("/console/console.css", include_in_schema=False)
    async def stylesheet() -> Response:
        return Response(style, media_type="text/css", headers=HEADERS)

    return True

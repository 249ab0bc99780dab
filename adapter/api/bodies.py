"""Request bodies read like every other JSON the adapter reads: fractions as Decimal.

FastAPI parses a JSON body with ``Request.json()`` (the standard library, floats), so a case
posted with ``"value": 21000.00`` would lose its two decimal places before validation. Routes
of a router built with ``route_class=DecimalBodyRoute`` get a request whose ``json()`` is
:func:`adapter.fhir.json_body.loads` instead (FastAPI's documented custom-request pattern).
Malformed JSON still raises ``json.JSONDecodeError``, which FastAPI turns into a 422.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from adapter.fhir import json_body

__all__ = ["DecimalBodyRoute"]


class _DecimalRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = json_body.loads(await self.body())
        return self._json


class DecimalBodyRoute(APIRoute):
    """An APIRoute whose handlers read JSON bodies with Decimals (see the module docstring)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def decimal_body_handler(request: Request) -> Response:
            return await handler(_DecimalRequest(request.scope, request.receive))

        return decimal_body_handler

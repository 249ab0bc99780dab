"""What the OpenAPI schema says beyond the routes: the error shape (a FHIR OperationOutcome,
never FastAPI's ``HTTPValidationError``), the case body (the pydantic case model, while the
route still validates it itself to name every problem by field), and the bearer scheme.

``openapi_schema(app)`` builds the document once; ``GET /openapi.json`` serves it behind the
token and ``/docs`` shows it (:mod:`adapter.api.routes.docs`).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field

from adapter.model.case import Case

__all__ = [
    "CASE_BODY",
    "CASE_RESPONSE",
    "Issue",
    "OperationOutcome",
    "errors",
    "openapi_schema",
]

FHIR_JSON = "application/fhir+json"
_CASE_REF = {"$ref": "#/components/schemas/Case"}
_OUTCOME_REF = {"$ref": "#/components/schemas/OperationOutcome"}


class Issue(BaseModel):
    severity: Literal["fatal", "error", "warning", "information"]
    code: str = Field(description="FHIR issue type: invalid, business-rule, login, not-found, ...")
    diagnostics: str = Field(description="what went wrong; field paths, never submitted values")
    expression: list[str] | None = Field(
        default=None, description="the field path(s), e.g. plan.goals[2].target.due_date"
    )


class OperationOutcome(BaseModel):
    """Every error the service answers with (``application/fhir+json``)."""

    resourceType: Literal["OperationOutcome"] = "OperationOutcome"  # noqa: N815  (FHIR's name)
    issue: list[Issue]


_WHY = {
    400: "a parameter that cannot be used (e.g. an empty period)",
    401: "missing or wrong bearer token",
    404: "not in the ledger or case store",
    409: "a run is going, or the record is not in a state for this",
    413: "the body is larger than allowed",
    422: "invalid input: one issue per problem, each naming its field",
    502: "the FHIR server answered with an error",
    503: "the ledger is unavailable",
    504: "the FHIR server could not be reached",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries: each status answered with an OperationOutcome."""
    return {
        status: {
            "model": OperationOutcome,
            "description": _WHY[status],
            "content": {FHIR_JSON: {"schema": _OUTCOME_REF}},
        }
        for status in statuses
    }


#: ``openapi_extra`` of ``POST /cases``: the body is one case, as the model defines it.
CASE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "one internal case (docs/input-format.md)",
        "content": {"application/json": {"schema": _CASE_REF}},
    }
}

#: ``responses=`` entry of ``GET /cases/{id}``.
CASE_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"description": "the stored case", "content": {"application/json": {"schema": _CASE_REF}}}
}


def openapi_schema(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document, with the case model's schemas among its components."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
    )
    case = Case.model_json_schema(mode="validation", ref_template="#/components/schemas/{model}")
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, definition in case.pop("$defs", {}).items():
        components.setdefault(name, definition)
    components["Case"] = case
    _tidy_operations(schema)
    app.openapi_schema = schema
    return schema


def _tidy_operations(schema: dict[str, Any]) -> None:
    """The case body is only the case model's reference. FastAPI documents a 422
    ``HTTPValidationError`` on every route with parameters; the service answers those with an
    OperationOutcome (adapter.api.errors), so say that."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None and body.get("schema", {}).get("$ref") == _CASE_REF["$ref"]:
                # CASE_BODY was merged into the route's own (untyped dict) body schema.
                body["schema"] = dict(_CASE_REF)
            responses = operation.get("responses", {})
            if "HTTPValidationError" in str(responses.get("422", "")):
                responses["422"] = {
                    "description": _WHY[422],
                    "content": {FHIR_JSON: {"schema": _OUTCOME_REF}},
                }
    components = schema.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)

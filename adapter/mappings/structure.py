"""Structural validation of incoming FHIR resources with fhir.resources (R4B models).

Run on what other systems wrote before it is mapped (``adapter import``, ``adapter pull``,
``adapter map --reverse``), never on the push path: the adapter's own output is checked by its
tests and profiles. The R4B models validate the R4 elements the adapter reads identically
(docs/r4-vs-r4b.md). A resource that fails is set aside alone, named by type, id and element
path; the rest of its case and of the run go on.

Messages never carry values: pydantic's message names the rule ("Input should be a valid
string"), and any message that would quote the offending value is cut to its error type.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Final

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

__all__ = ["StructureError", "split_valid", "structure_errors"]

Resource = Mapping[str, Any]

_SHOWN_ERRORS: Final = 3


@dataclass(frozen=True, slots=True)
class StructureError:
    """Why one resource cannot be read: its ``Type/id`` and the elements at fault."""

    resource: str
    problems: tuple[str, ...]

    def __str__(self) -> str:
        shown = "; ".join(self.problems[:_SHOWN_ERRORS])
        more = len(self.problems) - _SHOWN_ERRORS
        return f"{self.resource}: not valid FHIR: {shown}" + (
            f" (+{more} more)" if more > 0 else ""
        )


@cache
def _model(resource_type: str) -> Any:
    try:
        return get_fhir_model_class(resource_type)
    except (KeyError, ValueError, AttributeError, ImportError):
        return None


def structure_errors(resource: Any) -> StructureError | None:
    """None when ``resource`` is a structurally valid R4 resource; else what is wrong."""
    if not isinstance(resource, Mapping):
        return StructureError("resource", ("not a JSON object",))
    kind = resource.get("resourceType")
    ident = resource.get("id")
    name = f"{kind}/{ident}" if isinstance(kind, str) and isinstance(ident, str) else None
    if not isinstance(kind, str) or _model(kind) is None:
        return StructureError(name or "resource", ("resourceType: not a FHIR resource type",))
    try:
        _model(kind).model_validate(resource)
    except ValidationError as exc:
        problems = tuple(_problem(kind, error) for error in exc.errors())
        return StructureError(name or f"{kind}/(no id)", problems)
    except (ValueError, TypeError) as exc:  # a model's own validator raising outside pydantic
        return StructureError(name or f"{kind}/(no id)", (type(exc).__name__,))
    return None


def _problem(kind: str, error: Mapping[str, Any]) -> str:
    path = ".".join(str(part) for part in error.get("loc", ()) if part != "__root__")
    message = str(error.get("msg", "invalid"))
    value = error.get("input")
    if isinstance(value, str | int | float) and str(value) and str(value) in message:
        message = str(error.get("type", "invalid"))  # would quote the (patient) value
    return f"{kind}.{path}: {message}" if path else f"{kind}: {message}"


def split_valid(
    resources: Iterable[Any],
) -> tuple[list[Resource], list[StructureError]]:
    """The structurally valid resources, and an error for each of the others."""
    valid: list[Resource] = []
    errors: list[StructureError] = []
    for resource in resources:
        error = structure_errors(resource)
        if error is None:
            valid.append(resource)
        else:
            errors.append(error)
    return valid, errors

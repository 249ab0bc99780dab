"""Parsing untrusted input into cases, with errors that name the record and the field.

Pydantic's ``ValidationError`` is translated into :class:`adapter.errors.InputError` here and
nowhere else. ``record`` is ``case <id>`` when the input carries a usable id (else
``case #<n>`` for the n-th item of a batch) and ``field`` is a path such as
``plan.goals[2].target.due_date``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from adapter.errors import InputError
from adapter.model.base import FieldRuleError
from adapter.model.case import Case

__all__ = ["case_problems", "parse_case", "parse_cases", "record_name"]

_ID = re.compile(r"[A-Za-z0-9.-]{1,64}")


def record_name(data: object, *, position: int | None = None) -> str:
    """How errors name a case: by its id when the input has a plausible one."""
    raw = data.get("id") if isinstance(data, Mapping) else None
    if isinstance(raw, str) and _ID.fullmatch(raw.strip()):
        return f"case {raw.strip()}"
    return f"case #{position}" if position is not None else "case"


def case_problems(data: object, *, position: int | None = None) -> list[InputError]:
    """Every problem found in one case's input (empty when it is valid)."""
    try:
        Case.model_validate(data)
    except ValidationError as exc:
        record = record_name(data, position=position)
        return [_input_error(record, detail) for detail in exc.errors(include_url=False)]
    return []


def parse_case(data: object, *, position: int | None = None) -> Case:
    """Validate one case; raise :class:`InputError` for its first problem.

    The error's reason mentions how many further problems there are; call
    :func:`case_problems` to list them all.
    """
    try:
        return Case.model_validate(data)
    except ValidationError as exc:
        record = record_name(data, position=position)
        details = exc.errors(include_url=False)
        first = _input_error(record, details[0])
        if len(details) == 1:
            raise first from None
        more = len(details) - 1
        suffix = f" (and {more} more problem{'s' if more > 1 else ''})"
        raise InputError(record=record, field=first.field, reason=first.reason + suffix) from None


def parse_cases(items: Iterable[object]) -> tuple[list[Case], list[InputError]]:
    """Validate a batch: the valid cases, and one error per invalid one (batch order kept)."""
    good: list[Case] = []
    errors: list[InputError] = []
    for position, item in enumerate(items):
        try:
            good.append(parse_case(item, position=position))
        except InputError as exc:
            errors.append(exc)
    return good, errors


def _input_error(record: str, detail: ErrorDetails) -> InputError:
    location: list[Any] = list(detail["loc"])
    error = detail.get("ctx", {}).get("error")
    if isinstance(error, FieldRuleError):
        return InputError(record=record, field=_path([*location, error.field]), reason=error.reason)
    return InputError(record=record, field=_path(location) or "(case)", reason=_reason(detail))


def _path(location: Sequence[Any]) -> str:
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part:
            path += f".{part}" if path else str(part)
    return path


def _reason(detail: ErrorDetails) -> str:
    if detail["type"] == "timezone_aware":
        return "needs a timezone offset (e.g. 2024-03-01T09:30:00+00:00 or ...Z)"
    if detail["type"] == "string_pattern_mismatch" and "A-Za-z0-9.-" in str(detail.get("ctx")):
        return "ids use only letters, digits, '.' and '-' (1-64 characters)"
    return str(detail["msg"])

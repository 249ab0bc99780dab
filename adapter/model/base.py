"""Building blocks shared by every record of the internal model.

``Record`` fixes the behaviour all records share (frozen, no unknown fields, whitespace
stripped); the annotated string types bound lengths and, for ids, the character set, so that
an id can be embedded in a FHIR id or identifier without escaping.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from decimal import Decimal
from typing import Annotated, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

__all__ = [
    "Amount",
    "Email",
    "FieldRuleError",
    "Id",
    "Name",
    "Period",
    "Phone",
    "Record",
    "ShortText",
    "Text",
    "process_rule",
    "require_order",
    "require_unique",
    "rules_as_warnings",
]

Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9.-]{1,64}$")]
#: The id of a resource on the FHIR server written by another system (an EHR's Patient).
FhirId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9.-]{1,64}$")]
#: An identifier system: an absolute URI (``urn:oid:...``, ``http://hospital.example/mrn``).
SystemUri = Annotated[
    str, StringConstraints(pattern=r"^(urn:[a-z0-9][a-z0-9-]*:|https?://)\S{1,240}$")
]
"""A record id: 1-64 of ``A-Z a-z 0-9 . -`` (the FHIR id alphabet minus nothing it forbids)."""

Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
"""A name, title, code or short label."""

ShortText = Annotated[str, StringConstraints(min_length=1, max_length=1_000)]
"""A sentence or two (a reason, a target described in words)."""

Text = Annotated[str, StringConstraints(min_length=1, max_length=10_000)]
"""Free text (a finding, a note)."""

Phone = Annotated[str, StringConstraints(pattern=r"^\+?[0-9 ()./-]{3,40}$")]
"""A telephone number as dialled (digits, spaces, ``+ ( ) . / -``)."""

Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]{1,64}@[^@\s]{1,190}$")]
"""An e-mail address (only its shape is checked)."""

Amount = Annotated[Decimal, Field(max_digits=18, decimal_places=6, allow_inf_nan=False)]
"""A measured value; a Decimal so that it survives JSON and FHIR round trips exactly."""


class Record(BaseModel):
    """Base of every record: immutable, strict about unknown fields, whitespace stripped."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class FieldRuleError(ValueError):
    """A cross-field rule failed; ``field`` is the path (relative to the record) to blame.

    Model validators raise it instead of a bare ``ValueError`` so that the error reported to
    the integrator names the field, not only the record that holds it.
    """

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(reason)


_RELAXED: ContextVar[list[str] | None] = ContextVar("rules_as_warnings", default=None)
_R = TypeVar("_R", bound=Record)


@contextmanager
def rules_as_warnings() -> Iterator[list[str]]:
    """Inside the block, a broken :func:`process_rule` is a warning, not an error.

    For records other systems wrote (``adapter import``): the CMSA process rules (an active
    case needs consent, a closed one a closure reason ...) bind the case manager's own records;
    a payer's copy of a provider's data is described, not refused. Yields the list that
    collects ``<Record>.<field>: <reason>`` (no values). Field types and formats still fail.
    """
    sink: list[str] = []
    token = _RELAXED.set(sink)
    try:
        yield sink
    finally:
        _RELAXED.reset(token)


def process_rule(check: Callable[[_R], _R]) -> Callable[[_R], _R]:
    """Mark a model validator as a process rule (relaxed by :func:`rules_as_warnings`)."""

    @functools.wraps(check)
    def run(self: _R) -> _R:
        try:
            return check(self)
        except FieldRuleError as exc:
            sink = _RELAXED.get()
            if sink is None:
                raise
            sink.append(f"{type(self).__name__}.{exc.field}: {exc.reason}")
            return self

    return run


class Period(Record):
    """A span of dates; either end may be open, but not both."""

    start: date | None = None
    end: date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.start is None and self.end is None:
            raise FieldRuleError("start", "a period needs a start or an end")
        require_order(self.start, self.end, field="end", what="end")
        return self


def require_unique(values: Iterable[str], *, field: str, attr: str = "id") -> None:
    """Raise a :class:`FieldRuleError` at the second occurrence of a repeated value.

    ``field`` is the list's path (``tasks``), ``attr`` the attribute of each item that must be
    unique (empty when the items themselves must be); the error names the offending item,
    e.g. ``tasks[3].id``.
    """
    seen: dict[str, int] = {}
    for index, value in enumerate(values):
        if value in seen:
            where = f"{field}[{index}].{attr}" if attr else f"{field}[{index}]"
            first = f"{field}[{seen[value]}]" + (f".{attr}" if attr else "")
            # The position, never the value: an identifier repeated may be an MRN.
            raise FieldRuleError(where, f"repeats {first}")
        seen[value] = index


def require_order(first: date | None, then: date | None, *, field: str, what: str) -> None:
    """Raise a :class:`FieldRuleError` on ``field`` when ``then`` is before ``first``."""
    if first is not None and then is not None and then < first:
        # No dates in the message: next to a client's record they are patient data.
        raise FieldRuleError(field, f"{what} is before the date it must follow")

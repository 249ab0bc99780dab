"""Defaults for a foreign Patient's name and birth date (docs/import.md).

FHIR makes ``Patient.name`` and ``Patient.birthDate`` optional and lets a birth date be only
a year or a year and month; the case record needs a family name, a given name and a full date.
Imported data is described, not refused: the missing parts get the documented defaults
below, each with a warning that names the element, never the value.

Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

__all__ = ["UNKNOWN_BIRTH_DATE", "UNKNOWN_NAME", "with_patient_defaults"]

UNKNOWN_NAME: Final = "unknown"
"""Family or given name the source system did not record."""
UNKNOWN_BIRTH_DATE: Final = "1900-01-01"
"""Birth date the source system did not record (a conventional 'unknown' date)."""

_PARTIAL_DATE: Final = re.compile(r"^(\d{4})(-\d{2})?$")


def with_patient_defaults(patient: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A copy of ``patient`` whose first name and birth date the case record can take, and a
    warning (``element: what was assumed``) for each default filled in."""
    out = dict(patient)
    notes: list[str] = []
    names = [n for n in out.get("name") or [] if isinstance(n, Mapping)]
    first = dict(names[0]) if names else {}
    family, given = first.get("family"), [g for g in first.get("given") or [] if g]
    words = str(first.get("text") or "").split()
    if not family and not given and words:
        family, given = words[-1], words[:-1]
        notes.append("name has only text; its last word is the family name, the others given")
    if not names:
        notes.append(f"name missing; family and given name recorded as '{UNKNOWN_NAME}'")
    elif not family:
        notes.append(f"name.family missing; recorded as '{UNKNOWN_NAME}'")
    if names and not given:
        notes.append(f"name.given missing; recorded as '{UNKNOWN_NAME}'")
    first.update(family=family or UNKNOWN_NAME, given=given or [UNKNOWN_NAME])
    out["name"] = [first, *names[1:]]
    born = out.get("birthDate")
    if not born:
        out["birthDate"] = UNKNOWN_BIRTH_DATE
        notes.append(f"birthDate missing; recorded as {UNKNOWN_BIRTH_DATE}")
    elif isinstance(born, str) and (partial := _PARTIAL_DATE.match(born)):
        out["birthDate"] = f"{partial.group(1)}{partial.group(2) or '-01'}-01"
        notes.append("birthDate gives no day; the first day of its month or year is recorded")
    return out, notes

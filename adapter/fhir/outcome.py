"""Reading OperationOutcomes: issues, the server's diagnostic codes, HAPI's storage outcome."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = [
    "STORAGE_RESPONSE_SYSTEM",
    "Issue",
    "issues_of",
    "primary_code",
    "server_codes",
    "storage_code",
]

# HAPI names the effect of a write (created, updated, no change, ...) in this CodeSystem.
STORAGE_RESPONSE_SYSTEM = "https://hapifhir.io/fhir/CodeSystem/hapi-fhir-storage-response-code"

# HAPI-0550 only wraps a database or constraint error; the code after it says what happened.
_WRAPPER_CODES = frozenset({"HAPI-0550"})
_CODE = re.compile(r"\bHAPI-\d{4}\b")

Issue = dict[str, Any]


def issues_of(outcome: Mapping[str, Any] | None) -> list[Issue]:
    """The outcome's issues as ``{severity, code, diagnostics, locations}`` dicts.

    ``locations`` joins ``expression`` (FHIRPath) and the deprecated ``location`` (XPath-ish),
    expressions first, so a caller can point at the offending element.
    """
    if not outcome:
        return []
    found: list[Issue] = []
    for raw in outcome.get("issue") or []:
        if not isinstance(raw, Mapping):
            continue
        locations = [*(raw.get("expression") or []), *(raw.get("location") or [])]
        found.append(
            {
                "severity": raw.get("severity"),
                "code": raw.get("code"),
                "diagnostics": raw.get("diagnostics"),
                "locations": [str(loc) for loc in locations],
            }
        )
    return found


def server_codes(outcome: Mapping[str, Any] | None) -> tuple[str, ...]:
    """Every server diagnostic code (``HAPI-NNNN``) in the outcome, in order, without repeats."""
    codes: dict[str, None] = {}
    for issue in issues_of(outcome):
        for code in _CODE.findall(str(issue.get("diagnostics") or "")):
            codes.setdefault(code, None)
    return tuple(codes)


def primary_code(codes: tuple[str, ...]) -> str | None:
    """The most telling code: the first one that is not a mere wrapper."""
    for code in codes:
        if code not in _WRAPPER_CODES:
            return code
    return codes[0] if codes else None


def storage_code(outcome: Mapping[str, Any] | None) -> str | None:
    """HAPI's storage response code (e.g. ``SUCCESSFUL_UPDATE_NO_CHANGE``), if there is one."""
    if not outcome:
        return None
    for raw in outcome.get("issue") or []:
        details = raw.get("details") if isinstance(raw, Mapping) else None
        for coding in (details or {}).get("coding") or []:
            if coding.get("system") == STORAGE_RESPONSE_SYSTEM and coding.get("code"):
                return str(coding["code"])
    return None

"""Reading OperationOutcomes: issues, the server's diagnostic codes, HAPI's storage outcome."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = [
    "DIAGNOSTICS_LIMIT",
    "STORAGE_RESPONSE_SYSTEM",
    "Issue",
    "issue_line",
    "issues_of",
    "joined",
    "primary_code",
    "server_codes",
    "storage_code",
    "trimmed",
    "words",
]

# HAPI names the effect of a write (created, updated, no change, ...) in this CodeSystem.
STORAGE_RESPONSE_SYSTEM = "https://hapifhir.io/fhir/CodeSystem/hapi-fhir-storage-response-code"

# HAPI-0550 only wraps a database or constraint error; the code after it says what happened.
_WRAPPER_CODES = frozenset({"HAPI-0550"})
_CODE = re.compile(r"\bHAPI-\d{4}\b")
#: Characters of one issue's text kept: enough for the server's reason, too few for a resource.
DIAGNOSTICS_LIMIT = 300
_ISSUES_KEPT = 10

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


def trimmed(outcome: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """What of an OperationOutcome is kept (ledger, ``explain``, ``dlq show``, the API).

    Per issue (the first ten): severity, code, the text (``diagnostics``, else
    ``details.text``) cut to :data:`DIAGNOSTICS_LIMIT` characters, the server's codes and the
    locations. Everything else goes: a server may echo the submitted resource in ``contained``,
    in the narrative, in extensions or in a very long diagnostics text.
    """
    if not outcome:
        return None
    kept: list[dict[str, Any]] = []
    for raw in (outcome.get("issue") or [])[:_ISSUES_KEPT]:
        if not isinstance(raw, Mapping):
            continue
        issue: dict[str, Any] = {"severity": raw.get("severity"), "code": raw.get("code")}
        text = _text_of(raw)
        if text:
            issue["diagnostics"] = _cut(text)
        codings = [
            {key: str(coding[key]) for key in ("system", "code") if coding.get(key)}
            for coding in ((raw.get("details") or {}).get("coding") or [])
            if isinstance(coding, Mapping)
        ]
        if codings:
            issue["details"] = {"coding": codings}
        for key in ("expression", "location"):
            if raw.get(key):
                issue[key] = [_cut(str(item)) for item in raw[key]]
        kept.append(issue)
    return {"resourceType": "OperationOutcome", "issue": kept}


def joined(*outcomes: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """One OperationOutcome with the issues of ``outcomes`` in order (None when none has any)."""
    issues = [issue for outcome in outcomes for issue in (outcome or {}).get("issue") or []]
    return trimmed({"resourceType": "OperationOutcome", "issue": issues}) if issues else None


def issue_line(issue: Mapping[str, Any]) -> str:
    """One issue as a line: ``severity code: text at location``."""
    where = ", ".join(issue.get("expression") or issue.get("location") or [])
    text = f"{issue.get('severity', '?')} {issue.get('code', '?')}: {_text_of(issue) or ''}"
    return text + (f" at {where}" if where else "")


def words(outcome: Mapping[str, Any] | None) -> str:
    """The server's own words, trimmed: its issues' lines joined by ``; `` ('' if none)."""
    kept = trimmed(outcome) or {}
    return _cut("; ".join(issue_line(issue) for issue in kept.get("issue") or []))


def _text_of(issue: Mapping[str, Any]) -> str | None:
    text = issue.get("diagnostics") or (issue.get("details") or {}).get("text")
    return str(text).strip() if text else None


def _cut(text: str) -> str:
    return text if len(text) <= DIAGNOSTICS_LIMIT else text[: DIAGNOSTICS_LIMIT - 1] + "…"

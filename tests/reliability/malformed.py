"""Hypothesis strategies for hostile internal records: a valid example case with one thing
broken (wrong type, missing required field, value outside its code list, broken rule, oversized
string) or one free-text field filled with odd unicode or injection-looking text.

Each draw says which field the error must name (``field``) and whether the record must be
refused, must land (injection-looking text is just text: stored verbatim, never executed), or
may do either (odd unicode: it lands verbatim or is refused with a clear error).
"""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "cases"
_DELETE = object()

WRONG_TYPES: list[tuple[str, Any]] = [
    ("opened_on", ["2024-01-01"]),
    ("opened_on", {"year": 2024}),
    ("client.birth_date", True),
    ("client.birth_date", 19400125),
    ("status", 7),
    ("client.name", "Smith"),
    ("client.name.given", "Ann"),
    ("referral", []),
    ("client", "CL-1"),
    ("program", None),
]
REQUIRED = ["program", "status", "client", "referral", "opened_on", "client.name",
            "client.birth_date", "referral.reason", "client.id"]  # fmt: skip
OUTSIDE_CODE_LIST: list[tuple[str, Any]] = [
    ("status", "reopened"),
    ("status", "CLOSED"),
    ("program", "astrology"),
    ("client.gender", "robot"),
    ("referral.source_type", "oracle"),
]
INJECTION = [
    "'; DROP TABLE cases; --",
    "Robert'); DELETE FROM entries WHERE ('1'='1",
    "<script>alert(document.cookie)</script>",
    "${jndi:ldap://127.0.0.1:1389/a}",
    "{{7*7}} ${7*7} #{7*7}",
    "../../../../etc/passwd",
    "Patient?identifier=x|y&_include=*",
    '" }, "resourceType": "Bundle',
    "%00%0d%0aSet-Cookie: x=y",
]
ODD_TEXT = st.text(
    st.characters(codec="utf-8", categories=("L", "M", "N", "P", "S", "Z", "Cf", "Cc", "Co")),
    min_size=1,
    max_size=40,
)


@dataclass(frozen=True)
class Hostile:
    """One hostile record: its JSON, what was done, and the field the error must name."""

    document: dict[str, Any]
    kind: str
    field: str
    verdict: str  # "refused", "lands" or "either"

    @property
    def case_id(self) -> str:
        return str(self.document["id"])


def example_cases() -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted(EXAMPLES.glob("*.json"))]


def fresh(case: dict[str, Any], tag: str) -> dict[str, Any]:
    """The case under new case and client ids (so nothing collides on the server)."""
    new = copy.deepcopy(case)
    suffix = uuid.uuid4().hex[:8]
    new["id"] = f"{tag}-{suffix}"
    new["client"]["id"] = f"CL-{tag}-{suffix}"
    return new


def _set(document: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node = document
    for name in parents:
        node = node[name]
    if value is _DELETE:
        node.pop(last, None)
    else:
        node[last] = value


@st.composite
def hostile_records(draw: st.DrawFn, base: dict[str, Any]) -> Hostile:
    """``base`` (a valid case) made hostile in one of the ways above."""
    kind = draw(st.sampled_from(["wrong-type", "missing", "code", "rule", "oversized",
                                 "injection", "odd-unicode"]))  # fmt: skip
    document = fresh(base, "BAD")
    if kind == "wrong-type":
        field, value = draw(st.sampled_from(WRONG_TYPES))
    elif kind == "missing":
        field, value = draw(st.sampled_from(REQUIRED)), _DELETE
    elif kind == "code":
        field, value = draw(st.sampled_from(OUTSIDE_CODE_LIST))
    elif kind == "rule":
        # An open case has no closing date: the rule, not the schema, refuses it.
        field, value = "closed_on", document["opened_on"]
    elif kind == "oversized":
        field = draw(st.sampled_from(["client.name.family", "referral.reason"]))
        limit = 200 if field.startswith("client") else 10_000
        value = "x" * draw(st.integers(limit + 1, limit * 3))
    else:
        text = draw(st.sampled_from(INJECTION) if kind == "injection" else ODD_TEXT)
        _set(document, "referral.reason", text)
        return Hostile(document, kind, "referral.reason",
                       "lands" if kind == "injection" else "either")  # fmt: skip
    _set(document, field, value)
    return Hostile(document, kind, field, "refused")

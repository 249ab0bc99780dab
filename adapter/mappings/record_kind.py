"""Record kinds: what an adapter business identifier names, independent of its system.

Every business identifier the adapter writes carries ``type`` = one Coding of the local
CodeSystem ``record-kind`` (``case``, ``goal``, ``task`` ...). The identifier *system* is not
stable: a namespace adds a path segment to it (:mod:`adapter.mappings.namespace`) and a
deployment may use its own identifier base. The *type* never changes, so it is what the
profiles in ``profiles/`` slice on (docs/profiles.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from adapter.canonical import code_system

__all__ = ["RECORD_KIND", "RECORD_KINDS", "record_kind_type"]

RECORD_KIND: Final = code_system("record-kind")

#: Code -> display, in the order of the CodeSystem in profiles/.
RECORD_KINDS: Final[Mapping[str, str]] = {
    "client": "Client",
    "case": "Case",
    "referral": "Referral",
    "screening": "Screening",
    "screening-criterion": "Screening criterion met",
    "consent": "Consent",
    "care-team": "Care team",
    "care-team-member": "Care team member",
    "coverage": "Coverage",
    "assessment": "Assessment",
    "assessment-score": "Assessment score",
    "need": "Need",
    "careplan": "Plan of care",
    "goal": "Goal",
    "goal-progress": "Goal progress",
    "task": "Task",
    "service-request": "Service ordered by a task",
    "note": "Monitoring note",
    "outcome": "Outcome",
    "preference": "Client preference",
}


def record_kind_type(kind: str) -> dict[str, Any]:
    """The ``Identifier.type`` of the adapter's business identifier for ``kind``."""
    display = RECORD_KINDS.get(kind)
    if display is None:
        raise ValueError(f"not a record kind: {kind!r}")
    return {"coding": [{"system": RECORD_KIND, "code": kind, "display": display}]}

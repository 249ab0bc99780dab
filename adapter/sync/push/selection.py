"""Per-server resource selection on the push side: learning the types a server refuses.

What a selection is and how it shapes a case's resources is shared with pull
(:mod:`adapter.sync.type_selection`; its names are re-exported here). A push adds what only it
sees: a type the server refused with an OperationOutcome issue ``not-supported`` is remembered
in the ledger per server (``refused-types|<base URL>``) and left out from then on. A refusal
for any other reason (``invalid``, ``processing``...) may be about the case's own data, so it
stays a dead letter of that case and is not generalised to the type. ``EpisodeOfCare`` and
``Patient`` are required: a server refusing them cannot hold cases, and the case is
dead-lettered with the server's words.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from adapter.sync.type_selection import (
    REFUSED_KEY_PREFIX,
    REQUIRED_TYPES,
    WRITTEN_TYPES,
    Selection,
    learned_refusals,
    parse_types,
    selection_for,
)

__all__ = [
    "REFUSED_KEY_PREFIX",
    "REQUIRED_TYPES",
    "WRITTEN_TYPES",
    "Selection",
    "learn_refused",
    "learned_refusals",
    "parse_types",
    "refused_types",
    "selection_for",
]


class _Settings(Protocol):
    def get_setting(self, key: str) -> str | None: ...

    def set_setting(self, key: str, value: str) -> None: ...


def refused_types(failures: Iterable[tuple[tuple[str, str], Mapping[str, Any] | None]]) -> set[str]:
    """The optional types a server refused as not supported, from (resource key, the server's
    OperationOutcome) pairs of a case's failures."""
    found: set[str] = set()
    for (kind, _), outcome in failures:
        issues = (outcome or {}).get("issue") or []
        if any(issue.get("code") == "not-supported" for issue in issues):
            found.add(kind)
    return found - REQUIRED_TYPES


def learn_refused(ledger: _Settings, server: str, kinds: Iterable[str]) -> frozenset[str]:
    """Remember that ``server`` refuses ``kinds``; every type it refuses, now."""
    known = learned_refusals(ledger, server)
    now = known | frozenset(kinds)
    if now != known:
        ledger.set_setting(REFUSED_KEY_PREFIX + server, json.dumps(sorted(now)))
    return now

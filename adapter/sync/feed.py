"""The change feed's entries: which fields of a stored case changed, and where from.

A stored case moves on without the case-management system: a pull takes a provider's
completion in, a push's merge does the same, a person settles a conflict for the server. Each
changed field becomes one :class:`FeedChange` (a path in the case's input format, the old and
new values, the server resource and version that carried it), kept in the ledger with a
monotonic cursor in the same transaction as the stored case
(:mod:`adapter.sync.ledger.feed`). Pure functions: no ledger, no server.

Paths name fields the way the input format does (``tasks[1].status``,
``plan.goals[0].achievement``). Lists of records are matched by their ``id``, so a path's index
is the record's position in the case after the change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from adapter.model.case import Case

__all__ = ["FeedChange", "FieldDelta", "Origin", "case_deltas", "feed_changes"]


class Origin(StrEnum):
    """Where a change of the stored case came from."""

    PULL = "pull"
    PUSH_MERGE = "push-merge"
    CONFLICT_SERVER = "conflict-resolved-server"


@dataclass(frozen=True, slots=True)
class FieldDelta:
    path: str
    old: Any
    new: Any


@dataclass(frozen=True, slots=True)
class FeedChange:
    """One changed field of one case, and the server resource (and version) it came from."""

    case_id: str
    path: str
    old: Any
    new: Any
    origin: Origin
    resource_type: str | None = None
    resource_id: str | None = None
    version_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The documented shape (docs/pull.md, "The change feed"), without the cursor."""
        return {
            "case_id": self.case_id,
            "path": self.path,
            "old": self.old,
            "new": self.new,
            "origin": str(self.origin),
            "resource": {
                "type": self.resource_type,
                "id": self.resource_id,
                "version": self.version_id,
            },
        }


def _document(case: Case | Mapping[str, Any]) -> Mapping[str, Any]:
    return case.model_dump(mode="json", exclude_none=True) if isinstance(case, Case) else case


def case_deltas(
    before: Case | Mapping[str, Any], after: Case | Mapping[str, Any]
) -> list[FieldDelta]:
    """Every leaf field that differs between two versions of a case (records matched by id)."""
    out: list[FieldDelta] = []
    _diff("", _document(before), _document(after), out)
    return out


def feed_changes(
    case_id: str,
    steps: Sequence[tuple[tuple[str, str] | None, str | None, Case, Case]],
    origin: Origin,
) -> list[FeedChange]:
    """Feed entries for ``steps``: (resource key or None, server version, case before, case
    after), one per server resource taken in, in the order they were applied."""
    out = []
    for key, version, before, after in steps:
        kind, ident = key if key is not None else (None, None)
        out += [
            FeedChange(case_id, d.path, d.old, d.new, origin, kind, ident, version)
            for d in case_deltas(before, after)
        ]
    return out


def _diff(path: str, old: Any, new: Any, out: list[FieldDelta]) -> None:
    if old == new:
        return
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for name in dict.fromkeys([*old, *new]):
            _diff(f"{path}.{name}" if path else str(name), old.get(name), new.get(name), out)
        return
    if _records(old) and _records(new):
        before = {item["id"]: item for item in old}
        for index, item in enumerate(new):
            _diff(f"{path}[{index}]", before.get(item["id"]), item, out)
        return
    out.append(FieldDelta(path, old, new))


def _records(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(item, Mapping) and isinstance(item.get("id"), str) for item in value
    )

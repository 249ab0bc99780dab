"""What changed between two versions of a case, and whether a server-side change is legal.

Shared by pull and push (a push that merges the server's values into a case reports them the
way a pull does): :func:`case_changes` says what changed in words a case manager reads ("task
T-3 status: in-progress -> completed"), :func:`first_problem` applies the model's transition
tables the way the server's changes need them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from adapter.errors import InputError, TransitionError
from adapter.model.case import Case
from adapter.model.transitions import TRANSITIONS, StatusKind, check_case_update

__all__ = ["FieldChange", "case_changes", "first_problem", "reachable"]

#: Fields whose values are codes or dates, safe to show; other values (free text, names) are
#: reported as changed without their content.
_SHOWN: Final = frozenset(
    {"status", "lifecycle", "achievement", "priority", "status_date", "closed_on", "closure_reason"}
)
_RECORDS: Final = (("task", "tasks"), ("goal", "goals"))


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field of one record that changed. ``before``/``after`` are None when not shown
    (free text) or absent; ``shown`` tells which."""

    record: str
    field: str
    before: str | None
    after: str | None
    shown: bool

    def __str__(self) -> str:
        if not self.shown:
            return f"{self.record} {self.field}: changed"
        return f"{self.record} {self.field}: {self.before or '-'} -> {self.after or '-'}"


def case_changes(before: Case, after: Case) -> list[FieldChange]:
    """The changed fields of the case itself, its tasks and its goals (matched by id)."""
    skip = {"tasks", "plan"}
    out = _diff(
        "case",
        before.model_dump(mode="json", exclude=skip),
        after.model_dump(mode="json", exclude=skip),
    )
    for kind, attribute in _RECORDS:
        old = {r["id"]: r for r in _records(before, attribute)}
        for record in _records(after, attribute):
            name = f"{kind} {record['id']}"
            if record["id"] not in old:
                out.append(FieldChange(name, "record", None, "added", shown=True))
            else:
                out += _diff(name, old[record["id"]], record)
    return out


def _records(case: Case, attribute: str) -> list[dict[str, Any]]:
    if attribute == "goals":
        items: Sequence[Any] = case.plan.goals if case.plan is not None else ()
    else:
        items = getattr(case, attribute)
    return [item.model_dump(mode="json") for item in items]


def _diff(record: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[FieldChange]:
    out = []
    for name in dict.fromkeys([*old, *new]):
        if old.get(name) == new.get(name):
            continue
        shown = name in _SHOWN
        before, after = (_text(old.get(name)), _text(new.get(name))) if shown else (None, None)
        out.append(FieldChange(record, name, before, after, shown))
    return out


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def reachable(kind: StatusKind, current: str, requested: str) -> bool:
    """Whether ``requested`` can follow ``current`` in one or more legal steps."""
    table = TRANSITIONS[kind]
    seen, queue = {current}, deque([current])
    while queue:
        for following in table.get(queue.popleft(), frozenset()):
            if following == requested:
                return True
            if following not in seen:
                seen.add(following)
                queue.append(following)
    return current == requested


def first_problem(old: Case, new: Case) -> str | None:
    """Why ``new`` may not follow ``old``, or None.

    The candidate differs from ``old`` in one record (one server resource was merged), so a
    :class:`TransitionError` is the one check left to decide: a status the table reaches in
    several steps is accepted, since a pull sees the server's latest state, not every step.
    """
    try:
        check_case_update(old, new)
    except TransitionError as exc:
        kind = _kind_of(exc.field)
        if kind is not None and reachable(kind, exc.current, exc.requested):
            return None
        return str(exc)
    except InputError as exc:
        return str(exc)
    return None


def _kind_of(path: str) -> StatusKind | None:
    prefixes = (
        ("tasks[", StatusKind.TASK),
        ("plan.goals[", StatusKind.GOAL),
        ("plan.status", StatusKind.PLAN),
        ("consents[", StatusKind.CONSENT),
        ("needs[", StatusKind.NEED),
        ("assessments[", StatusKind.ASSESSMENT),
        ("status", StatusKind.CASE),
    )
    return next((kind for prefix, kind in prefixes if path.startswith(prefix)), None)

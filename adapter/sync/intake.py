"""Checking an incoming case against the stored version, rebasing a stale file on it.

The stored version moves on without the source file: a pull takes in what a provider reported
(a task completed, a goal's achievement), so a file pushed again afterwards can be *behind* on
those performer-owned fields. That is not an illegal transition by the case manager, and the
last pushed snapshot tells the two apart: a performer-owned field where the file still says what
it said when last pushed, while the stored value has moved, is stale, and the stored value is
kept. Anything the file itself changed goes through the model's transition rules against the
stored version (:func:`adapter.model.transitions.check_case_update`), and a violation is refused.

``POST /cases`` uses the same check without a snapshot: every change is the caller's own.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from adapter.errors import InputError
from adapter.model.case import Case
from adapter.model.goal import Goal
from adapter.model.task import Task
from adapter.model.transitions import check_case_update
from adapter.model.validation import parse_case
from adapter.sync.ownership import performer_owned

__all__ = ["MODEL_FIELDS", "Checked", "check_incoming", "performer_fields", "stored_version"]

log = logging.getLogger("adapter.sync.intake")

#: The internal fields of each performer-owned FHIR element (:mod:`adapter.sync.ownership`)
#: the model carries. ``Task.businessStatus`` and ``Task.executionPeriod.end`` have none;
#: ``Task.output`` holds the outcome and the financial result (amounts as valueMoney).
MODEL_FIELDS: Final[Mapping[str, Mapping[str, tuple[str, ...]]]] = {
    "Task": {
        "status": ("status",),
        "statusReason": ("status_reason",),
        "output": ("outcome", "financial"),
    },
    "Goal": {"achievementStatus": ("achievement",), "statusDate": ("status_date",)},
}

_Item = TypeVar("_Item", Task, Goal)


@dataclass(frozen=True, slots=True)
class Checked:
    """The case to keep, and the field paths (``tasks[0].status``) taken from the stored
    version because the incoming document was stale there."""

    case: Case
    rebased: tuple[str, ...] = ()


def performer_fields(resource_type: str) -> tuple[str, ...]:
    """The internal fields of a ``Task`` or ``Goal`` the performer side owns, sorted."""
    table = MODEL_FIELDS[resource_type]
    return tuple(
        sorted(
            name
            for element in performer_owned(resource_type) & table.keys()
            for name in table[element]
        )
    )


def check_incoming(incoming: Case, stored: Case | None, pushed: Case | None = None) -> Checked:
    """Check ``incoming`` as the next version of ``stored``; raise :class:`InputError` (a
    :class:`TransitionError` for a status) naming record and field for an illegal change.

    With ``pushed`` (the case as last pushed from the file side), stale performer-owned fields
    are first rebased on ``stored``; without it (the API) every difference is checked as is.
    """
    if stored is None:
        return Checked(incoming)
    checked = Checked(incoming) if pushed is None else _rebase(stored, incoming, pushed)
    check_case_update(stored, checked.case)
    return checked


def stored_version(document: Mapping[str, Any] | None) -> Case | None:
    """A stored document (case store or snapshot) as a case; None when there is none, or when it
    was accepted under older rules and no longer validates."""
    if document is None:
        return None
    try:
        return parse_case(document)
    except InputError as exc:
        # The new version then replaces it unchecked rather than being blamed for its problem.
        log.warning("case store: a stored version no longer validates (%s)", exc.field)
        return None


def _rebase(stored: Case, incoming: Case, pushed: Case) -> Checked:
    tasks, paths = _rebase_items("Task", "tasks", stored.tasks, incoming.tasks, pushed.tasks)
    case = incoming.model_copy(update={"tasks": tasks})
    if incoming.plan is not None and stored.plan is not None:
        goals, goal_paths = _rebase_items(
            "Goal",
            "plan.goals",
            stored.plan.goals,
            incoming.plan.goals,
            pushed.plan.goals if pushed.plan is not None else (),
        )
        case = case.model_copy(update={"plan": incoming.plan.model_copy(update={"goals": goals})})
        paths += goal_paths
    if not paths:
        return Checked(incoming)
    # model_copy skips validation: the rebased case must still be a valid case as a whole.
    return Checked(parse_case(case.model_dump(mode="json", exclude_none=True)), tuple(paths))


def _rebase_items(
    kind: str,
    path: str,
    stored: Sequence[_Item],
    incoming: Sequence[_Item],
    pushed: Sequence[_Item],
) -> tuple[tuple[_Item, ...], list[str]]:
    before = {item.id: item for item in stored}
    base = {item.id: item for item in pushed}
    names = performer_fields(kind)
    kept: list[_Item] = []
    paths: list[str] = []
    for index, item in enumerate(incoming):
        old, last = before.get(item.id), base.get(item.id)
        stale = {
            name: getattr(old, name)
            for name in names
            if old is not None
            and last is not None
            and getattr(item, name) == getattr(last, name) != getattr(old, name)
        }
        paths.extend(f"{path}[{index}].{name}" for name in sorted(stale))
        kept.append(item.model_copy(update=stale) if stale else item)
    return tuple(kept), paths

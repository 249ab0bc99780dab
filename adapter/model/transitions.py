"""Status transition tables, and the checks applied when a new version of a case arrives.

Each table maps a status to the statuses it may move to; staying in the same status is always
allowed. Terminal statuses map to an empty set: a finished record is reopened by creating a new
one, never by moving it back (a completed task does not become requested again). Goal
*achievement* has no table on purpose: it describes progress, which may go up and down.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any, Final, Protocol

from adapter.errors import InputError, TransitionError
from adapter.model.case import ENDED_CASE_STATUSES, Case
from adapter.model.codes import (
    AssessmentStatus,
    CaseStatus,
    ConsentStatus,
    GoalLifecycle,
    NeedStatus,
    PlanStatus,
    TaskStatus,
)
from adapter.model.plan import PlanOfCare

__all__ = [
    "ASSESSMENT_TRANSITIONS",
    "CASE_TRANSITIONS",
    "CONSENT_TRANSITIONS",
    "GOAL_TRANSITIONS",
    "NEED_TRANSITIONS",
    "PLAN_TRANSITIONS",
    "TASK_TRANSITIONS",
    "TRANSITIONS",
    "StatusKind",
    "check_case_update",
    "check_transition",
]


class StatusKind(StrEnum):
    """The kinds of record whose status follows a transition table."""

    CASE = "case"
    PLAN = "plan"
    GOAL = "goal"
    TASK = "task"
    CONSENT = "consent"
    NEED = "need"
    ASSESSMENT = "assessment"


_C = CaseStatus
CASE_TRANSITIONS: Final[Mapping[CaseStatus, frozenset[CaseStatus]]] = {
    _C.REFERRED: frozenset({_C.SCREENING, _C.CANCELLED, _C.CLOSED}),
    _C.SCREENING: frozenset({_C.ACTIVE, _C.CANCELLED, _C.CLOSED}),
    _C.ACTIVE: frozenset({_C.ON_HOLD, _C.CLOSED}),
    _C.ON_HOLD: frozenset({_C.ACTIVE, _C.CLOSED}),
    _C.CLOSED: frozenset(),
    _C.CANCELLED: frozenset(),
}

_P = PlanStatus
PLAN_TRANSITIONS: Final[Mapping[PlanStatus, frozenset[PlanStatus]]] = {
    _P.DRAFT: frozenset({_P.ACTIVE, _P.REVOKED}),
    _P.ACTIVE: frozenset({_P.ON_HOLD, _P.COMPLETED, _P.REVOKED}),
    _P.ON_HOLD: frozenset({_P.ACTIVE, _P.COMPLETED, _P.REVOKED}),
    _P.COMPLETED: frozenset(),
    _P.REVOKED: frozenset(),
}

_G = GoalLifecycle
GOAL_TRANSITIONS: Final[Mapping[GoalLifecycle, frozenset[GoalLifecycle]]] = {
    _G.PROPOSED: frozenset({_G.ACCEPTED, _G.ACTIVE, _G.CANCELLED}),
    _G.ACCEPTED: frozenset({_G.ACTIVE, _G.ON_HOLD, _G.CANCELLED}),
    _G.ACTIVE: frozenset({_G.ON_HOLD, _G.COMPLETED, _G.CANCELLED}),
    _G.ON_HOLD: frozenset({_G.ACTIVE, _G.COMPLETED, _G.CANCELLED}),
    _G.COMPLETED: frozenset(),
    _G.CANCELLED: frozenset(),
}

# After FHIR R4's Task state machine (hl7.org/fhir/R4/task.html#statemachine), restricted to
# the internal statuses; reopening a terminal task is deliberately not allowed.
_T = TaskStatus
TASK_TRANSITIONS: Final[Mapping[TaskStatus, frozenset[TaskStatus]]] = {
    _T.DRAFT: frozenset({_T.REQUESTED, _T.CANCELLED}),
    _T.REQUESTED: frozenset({_T.ACCEPTED, _T.REJECTED, _T.IN_PROGRESS, _T.CANCELLED}),
    _T.ACCEPTED: frozenset({_T.IN_PROGRESS, _T.CANCELLED}),
    _T.IN_PROGRESS: frozenset({_T.ON_HOLD, _T.COMPLETED, _T.FAILED, _T.CANCELLED}),
    _T.ON_HOLD: frozenset({_T.IN_PROGRESS, _T.FAILED, _T.CANCELLED}),
    _T.COMPLETED: frozenset(),
    _T.REJECTED: frozenset(),
    _T.FAILED: frozenset(),
    _T.CANCELLED: frozenset(),
}

_K = ConsentStatus
CONSENT_TRANSITIONS: Final[Mapping[ConsentStatus, frozenset[ConsentStatus]]] = {
    _K.PENDING: frozenset({_K.GRANTED, _K.DECLINED}),
    _K.GRANTED: frozenset({_K.WITHDRAWN}),
    _K.DECLINED: frozenset(),
    _K.WITHDRAWN: frozenset(),
}

_N = NeedStatus
NEED_TRANSITIONS: Final[Mapping[NeedStatus, frozenset[NeedStatus]]] = {
    _N.ACTIVE: frozenset({_N.INACTIVE, _N.RESOLVED}),
    _N.INACTIVE: frozenset({_N.ACTIVE, _N.RESOLVED}),
    _N.RESOLVED: frozenset({_N.ACTIVE}),
}

_A = AssessmentStatus
ASSESSMENT_TRANSITIONS: Final[Mapping[AssessmentStatus, frozenset[AssessmentStatus]]] = {
    _A.IN_PROGRESS: frozenset({_A.COMPLETED}),
    _A.COMPLETED: frozenset({_A.AMENDED}),
    _A.AMENDED: frozenset(),
}

TRANSITIONS: Final[Mapping[StatusKind, Mapping[Any, frozenset[Any]]]] = {
    StatusKind.CASE: CASE_TRANSITIONS,
    StatusKind.PLAN: PLAN_TRANSITIONS,
    StatusKind.GOAL: GOAL_TRANSITIONS,
    StatusKind.TASK: TASK_TRANSITIONS,
    StatusKind.CONSENT: CONSENT_TRANSITIONS,
    StatusKind.NEED: NEED_TRANSITIONS,
    StatusKind.ASSESSMENT: ASSESSMENT_TRANSITIONS,
}
"""Every table, by kind; the statuses are ``StrEnum`` members, so plain strings look up too."""


def check_transition(
    kind: StatusKind | str, current: str, requested: str, *, record: str, field: str
) -> None:
    """Raise :class:`TransitionError` unless ``current -> requested`` is in ``kind``'s table."""
    if current == requested:
        return
    table = TRANSITIONS[StatusKind(kind)]
    if requested not in table.get(current, frozenset()):
        raise TransitionError(
            record=record, field=field, current=str(current), requested=str(requested)
        )


class _Item(Protocol):
    @property
    def id(self) -> str: ...


def check_case_update(old: Case, new: Case) -> None:
    """Check that ``new`` is a legal next version of ``old``.

    Applies every transition table to the records present in both versions (matched by id),
    and the invariants that span versions: the case id never changes, tasks and goals are never
    removed (cancel them instead), a closed or cancelled case gets no new tasks or goals, plan
    revisions are only appended, and a plan is only replaced once it has ended.
    """
    record = f"case {new.id}"
    if old.id != new.id:
        reason = f"a new version cannot change the case id (was {old.id!r})"
        raise InputError(record=record, field="id", reason=reason)
    check_transition(StatusKind.CASE, old.status, new.status, record=record, field="status")
    _check_items(StatusKind.CONSENT, old.consents, new.consents, "consents", record)
    _check_items(StatusKind.NEED, old.needs, new.needs, "needs", record)
    _check_items(StatusKind.ASSESSMENT, old.assessments, new.assessments, "assessments", record)
    _check_plan(old, new, record)
    ended = old.status in ENDED_CASE_STATUSES or new.status in ENDED_CASE_STATUSES
    _check_kept(old.tasks, new.tasks, "tasks", record, allow_new=not ended)
    _check_items(StatusKind.TASK, old.tasks, new.tasks, "tasks", record)


def _check_plan(old: Case, new: Case, record: str) -> None:
    if old.plan is None:
        if new.plan is not None and old.status in ENDED_CASE_STATUSES:
            raise InputError(record=record, field="plan", reason="a closed case gets no new plan")
        return
    if new.plan is None:
        raise InputError(record=record, field="plan", reason="a plan cannot be removed; revoke it")
    if new.plan.id != old.plan.id:
        if old.plan.status not in (PlanStatus.COMPLETED, PlanStatus.REVOKED):
            reason = f"plan {old.plan.id!r} must be completed or revoked before it is replaced"
            raise InputError(record=record, field="plan.id", reason=reason)
        return
    check_transition(
        StatusKind.PLAN, old.plan.status, new.plan.status, record=record, field="plan.status"
    )
    _check_revisions(old.plan, new.plan, record)
    ended = old.status in ENDED_CASE_STATUSES or new.status in ENDED_CASE_STATUSES
    _check_kept(old.plan.goals, new.plan.goals, "plan.goals", record, allow_new=not ended)
    old_goals = {g.id: g.lifecycle for g in old.plan.goals}
    for index, goal in enumerate(new.plan.goals):
        if goal.id in old_goals:
            where = f"plan.goals[{index}].lifecycle"
            check_transition(
                StatusKind.GOAL, old_goals[goal.id], goal.lifecycle, record=record, field=where
            )


def _check_revisions(old: PlanOfCare, new: PlanOfCare, record: str) -> None:
    kept = new.revisions[: len(old.revisions)]
    for index, (before, after) in enumerate(zip(old.revisions, kept, strict=False)):
        if before != after:
            reason = "plan revisions are append-only; an earlier revision was changed"
            raise InputError(record=record, field=f"plan.revisions[{index}]", reason=reason)
    if len(new.revisions) < len(old.revisions):
        reason = f"plan revisions are append-only; {len(old.revisions)} became {len(new.revisions)}"
        raise InputError(record=record, field="plan.revisions", reason=reason)


def _check_kept(
    old: Sequence[_Item], new: Sequence[_Item], path: str, record: str, *, allow_new: bool
) -> None:
    new_ids = {item.id for item in new}
    for item in old:
        if item.id not in new_ids:
            reason = f"{item.id!r} was removed; records are cancelled, never deleted"
            raise InputError(record=record, field=path, reason=reason)
    if allow_new:
        return
    old_ids = {item.id for item in old}
    for index, item in enumerate(new):
        if item.id not in old_ids:
            reason = f"a closed or cancelled case cannot get new {path.split('.')[-1]}"
            raise InputError(record=record, field=f"{path}[{index}]", reason=reason)


class _StatusItem(_Item, Protocol):
    @property
    def status(self) -> str: ...


def _check_items(
    kind: StatusKind,
    old: Sequence[_StatusItem],
    new: Sequence[_StatusItem],
    path: str,
    record: str,
) -> None:
    before = {item.id: item.status for item in old}
    for index, item in enumerate(new):
        if item.id in before:
            where = f"{path}[{index}].status"
            check_transition(kind, before[item.id], item.status, record=record, field=where)

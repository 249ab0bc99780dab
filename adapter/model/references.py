"""Checks that every id used inside a case is unique and names a record of that case."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from adapter.model.base import FieldRuleError, require_unique

if TYPE_CHECKING:
    from adapter.model.case import Case
    from adapter.model.plan import PlanOfCare

__all__ = ["check_references"]


def check_references(case: Case) -> None:
    """Raise a :class:`FieldRuleError` on the first duplicate id or dangling reference."""
    _check_unique(case)
    members = {m.id for m in case.care_team}
    goals = {g.id for g in case.plan.goals} if case.plan is not None else set()
    needs = {n.id for n in case.needs}
    assessments = {a.id for a in case.assessments}
    tasks = {t.id for t in case.tasks}
    _refer("case_manager_id", [case.case_manager_id], members, "care team member")
    if case.screening is not None:
        _refer("screening.screener_id", [case.screening.screener_id], members, "care team member")
    for i, assessment in enumerate(case.assessments):
        where = f"assessments[{i}].assessor_id"
        _refer(where, [assessment.assessor_id], members, "care team member")
    for i, need in enumerate(case.needs):
        _refer(f"needs[{i}].assessment_id", [need.assessment_id], assessments, "assessment")
    if case.plan is not None:
        _check_plan_references(case.plan, members, needs)
    for i, consent in enumerate(case.consents):
        _refer(f"consents[{i}].given_by_id", [consent.given_by_id], members, "care team member")
    for i, link in enumerate(case.related_cases):
        if link.case_id == case.id:
            raise FieldRuleError(f"related_cases[{i}].case_id", "a case cannot follow itself")
    require_unique(
        (link.case_id for link in case.related_cases), field="related_cases", attr="case_id"
    )
    for i, task in enumerate(case.tasks):
        _refer(f"tasks[{i}].owner_id", [task.owner_id], members, "care team member")
        owners = [entry.owner_id for entry in task.owner_history]
        _refer(f"tasks[{i}].owner_history", owners, members, "care team member")
        _refer(f"tasks[{i}].goal_ids", task.goal_ids, goals, "goal")
    for i, note in enumerate(case.notes):
        _refer(f"notes[{i}].author_id", [note.author_id], members, "care team member")
        _refer(f"notes[{i}].goal_ids", note.goal_ids, goals, "goal")
        _refer(f"notes[{i}].task_ids", note.task_ids, tasks, "task")
    for i, outcome in enumerate(case.outcomes):
        _refer(f"outcomes[{i}].goal_id", [outcome.goal_id], goals, "goal")


def _check_unique(case: Case) -> None:
    require_unique((c.id for c in case.consents), field="consents")
    require_unique((m.id for m in case.care_team), field="care_team")
    require_unique((c.id for c in case.coverages), field="coverages")
    require_unique((a.id for a in case.assessments), field="assessments")
    require_unique((n.id for n in case.needs), field="needs")
    require_unique((t.id for t in case.tasks), field="tasks")
    require_unique((n.id for n in case.notes), field="notes")
    require_unique((o.id for o in case.outcomes), field="outcomes")


def _check_plan_references(plan: PlanOfCare, members: set[str], needs: set[str]) -> None:
    _refer("plan.author_id", [plan.author_id], members, "care team member")
    for i, revision in enumerate(plan.revisions):
        _refer(f"plan.revisions[{i}].author_id", [revision.author_id], members, "care team member")
    for i, goal in enumerate(plan.goals):
        _refer(f"plan.goals[{i}].need_ids", goal.need_ids, needs, "need")
        for j, progress in enumerate(goal.progress):
            where = f"plan.goals[{i}].progress[{j}].author_id"
            _refer(where, [progress.author_id], members, "care team member")


def _refer(field: str, ids: Iterable[str | None], known: set[str], kind: str) -> None:
    for index, ref in enumerate(ids):
        if ref is not None and ref not in known:
            where = field if field.endswith("_id") else f"{field}[{index}]"
            # The position, not the id: messages never carry values from the record.
            raise FieldRuleError(where, f"names no {kind} of this case")

"""Cancelling a record a server deleted; what changed and whether it is legal lives in
:mod:`adapter.sync.case_changes` (shared with push) and is re-exported here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapter.errors import AdapterError
from adapter.model.case import Case
from adapter.model.codes import GoalLifecycle, TaskStatus
from adapter.model.transitions import StatusKind
from adapter.sync.case_changes import FieldChange, case_changes, first_problem, reachable
from adapter.sync.resources import internal_key_of

__all__ = ["FieldChange", "cancel_record", "case_changes", "first_problem", "reachable"]


def cancel_record(case: Case, resource: Mapping[str, Any]) -> Case | None:
    """The case with the task or goal behind ``resource`` (a Task or Goal) cancelled.

    ``case`` itself when the record is cancelled already; None when it cannot be cancelled
    (finished already, not found, or not a Task or Goal).
    """
    key = internal_key_of(resource)
    record_id = key.rpartition("/")[2] if key else None
    data = case.model_dump(mode="json")
    kind = resource.get("resourceType")
    if kind == "Task":
        items, attribute, status_kind = data["tasks"], "status", StatusKind.TASK
        target: str = TaskStatus.CANCELLED.value
    elif kind == "Goal" and data.get("plan") is not None:
        items, attribute, status_kind = data["plan"]["goals"], "lifecycle", StatusKind.GOAL
        target = GoalLifecycle.CANCELLED.value
    else:
        return None
    item = next((i for i in items if i["id"] == record_id), None)
    if item is None or not reachable(status_kind, item[attribute], target):
        return None
    if item[attribute] == target:
        return case
    item[attribute] = target
    try:
        return Case.model_validate(data)
    except (AdapterError, ValueError):
        return None

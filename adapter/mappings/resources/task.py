"""Task <-> Task (Gravity/COW pattern: intent order, for = Patient, basedOn = CarePlan)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapter.canonical import profile
from adapter.mappings.context import Index, Refs
from adapter.mappings.datatypes import (
    Json,
    codeable_concept,
    compact,
    extension_values,
    fhir_date,
    fhir_datetime,
    find_coding,
    find_extension,
    identifier,
    parse_date,
    parse_datetime,
    period,
    required,
)
from adapter.mappings.extensions import PERTAINS_TO_GOAL, TASK_EPISODE_OF_CARE
from adapter.mappings.resources import gravity
from adapter.mappings.resources.task_work import (
    financial_from_fhir,
    financial_to_fhir,
    owners_from_fhir,
    owners_to_fhir,
)
from adapter.mappings.terminology import table
from adapter.model.base import Period
from adapter.model.case import Case
from adapter.model.codes import InterventionType, TaskPriority, TaskStatus
from adapter.model.task import Task

__all__ = ["OUTCOME", "from_fhir", "to_fhir"]

OUTCOME = {"text": "outcome"}  # Task.output.type is 1..1; the outcome has no standard code


def to_fhir(task: Task, *, case: Case) -> Json:
    """The Task of one intervention; a referral with a service focuses its ServiceRequest and
    follows Gravity's referral Task (``fulfill``, requester, ``resulting-activity`` output)."""
    refs = Refs.of(case)
    kind = table("intervention-type").to_fhir(task.type)
    referral = gravity.is_referral(task)
    focus = refs.record("ServiceRequest", "service-request", task.id) if referral else None
    codings = [kind.coding(), gravity.FULFILL] if referral else [kind.coding()]
    outcome = None
    if task.outcome:
        plain = {"type": OUTCOME, "valueString": task.outcome}
        outcome = gravity.outcome_output(task.outcome) if referral else plain
    return compact(
        {
            "resourceType": "Task",
            "id": refs.id("task", task.id),
            "meta": {"profile": [profile("cm-task")]},
            "extension": [{"url": TASK_EPISODE_OF_CARE, "valueReference": refs.episode()}]
            + [
                {"url": PERTAINS_TO_GOAL, "valueReference": refs.record("Goal", "goal", g)}
                for g in task.goal_ids
            ]
            + owners_to_fhir(task, refs),
            "identifier": [refs.identifier("task", task.id)],
            "basedOn": [refs.careplan()] if refs.plan_id else [],
            "groupIdentifier": identifier("case", case.id),
            "status": table("task-status").to_fhir(task.status).code,
            "statusReason": {"text": task.status_reason} if task.status_reason else None,
            "intent": "order",  # the case manager orders the work (Gravity / COW pattern)
            "priority": table("task-priority").to_fhir(task.priority).code,
            "code": codeable_concept(*codings, text=task.title),
            "description": task.description,
            "focus": focus,
            "for": refs.patient(),
            "authoredOn": fhir_datetime(task.created_at),
            "requester": gravity.requester(case, refs),
            "owner": refs.member(task.owner_id),
            "restriction": {"period": _due(task.due)} if task.due else None,
            "output": ([outcome] if outcome else []) + financial_to_fhir(task.financial),
        }
    )


def _due(due: Period) -> Json | None:
    return period(fhir_date(due.start), fhir_date(due.end))


def from_fhir(task: Mapping[str, Any], *, index: Index, service: str | None = None) -> Task:
    """The task behind a Task; ``service`` is the name of its focus ServiceRequest, if any.

    Foreign Tasks: type defaults to ``follow-up`` without an intervention-type coding (warned),
    title to ``description`` or the code's text; ``authoredOn`` is required.
    """
    where = f"Task/{task.get('id')}"
    types = table("intervention-type")
    coding = find_coding(task.get("code"), types.system)
    if coding is None:
        index.warn(task, "no intervention-type coding; type defaults to follow-up")
    code = task.get("code") or {}
    restriction = (task.get("restriction") or {}).get("period") or {}
    due = None
    if restriction:
        due = Period(
            start=parse_date(restriction.get("start"), where="Task.restriction.period.start"),
            end=parse_date(restriction.get("end"), where="Task.restriction.period.end"),
        )
    return Task(
        id=index.lookup({"reference": where}, "Task", where=where) or str(task.get("id")),
        type=InterventionType(
            types.from_fhir(coding["code"], resource=where, element="Task.code")
            if coding
            else InterventionType.FOLLOW_UP
        ),
        title=code.get("text") or task.get("description") or "task",
        description=task.get("description") if code.get("text") else None,
        status=TaskStatus(
            table("task-status").from_fhir(
                str(task.get("status")), resource=where, element="Task.status"
            )
        ),
        status_reason=(task.get("statusReason") or {}).get("text"),
        priority=TaskPriority(
            table("task-priority").from_fhir(
                task.get("priority", "routine"), resource=where, element="Task.priority"
            )
        ),
        owner_id=index.lookup_any(task.get("owner"), where="Task.owner"),
        service=service,
        goal_ids=tuple(
            i
            for ref in extension_values(task, PERTAINS_TO_GOAL, "valueReference")
            if (i := index.lookup(ref, "Goal", where="Task.extension[pertainsToGoal]"))
        ),
        created_at=required(
            parse_datetime(task.get("authoredOn"), where="Task.authoredOn"),
            resource=where,
            element="Task.authoredOn",
        ),
        due=due,
        outcome=gravity.outcome_from_outputs(task.get("output", [])),
        owner_history=owners_from_fhir(task, index=index),
        financial=financial_from_fhir(task),
    )


def episode_reference(task: Mapping[str, Any]) -> Any:
    """The EpisodeOfCare a Task belongs to, from the task-episode-of-care extension."""
    return (find_extension(task, TASK_EPISODE_OF_CARE) or {}).get("valueReference")

"""Goal <-> Goal. Progress entries are Observations (see :mod:`.observation`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from adapter.canonical import profile
from adapter.mappings.context import Index, Refs, amount, fhir_number
from adapter.mappings.datatypes import (
    Json,
    annotation,
    codeable_concept,
    compact,
    extension,
    extensions,
    fhir_date,
    find_coding,
    find_extension,
    parse_date,
    texts,
)
from adapter.mappings.extensions import TARGET_COMPARATOR
from adapter.mappings.terminology import table
from adapter.model.case import Case
from adapter.model.codes import (
    Comparator,
    GoalAchievement,
    GoalCategory,
    GoalLifecycle,
    GoalPriority,
)
from adapter.model.goal import Goal, GoalProgress, GoalTarget

__all__ = ["from_fhir", "to_fhir"]

# Quantity.comparator has no "=": an exact target has no comparator. "eq" (stated explicitly)
# and "no comparator" are told apart by the target-comparator extension.
_COMPARATORS = {Comparator.LT: "<", Comparator.LE: "<=", Comparator.GE: ">=", Comparator.GT: ">"}
_FROM_FHIR = {v: k for k, v in _COMPARATORS.items()}


def to_fhir(goal: Goal, *, case: Case) -> Json:
    """The Goal of one goal of the case's plan."""
    refs = Refs.of(case)
    return compact(
        {
            "resourceType": "Goal",
            "id": refs.id("goal", goal.id),
            "meta": {"profile": [profile("cm-goal")]},
            "identifier": [refs.identifier("goal", goal.id)],
            "lifecycleStatus": table("goal-lifecycle").to_fhir(goal.lifecycle).code,
            "achievementStatus": _concept("goal-achievement", goal.achievement),
            "category": [_concept("goal-category", goal.category)] if goal.category else [],
            "priority": _concept("goal-priority", goal.priority),
            "description": {"text": goal.description},
            "subject": refs.patient(),
            "startDate": fhir_date(goal.start_date),
            "target": [_target(goal.target)] if goal.target else [],
            "statusDate": fhir_date(goal.status_date),
            "statusReason": goal.status_reason,
            # The client taking part in setting the goal is recorded as the client expressing it.
            "expressedBy": refs.patient() if goal.agreed_with_client else None,
            "addresses": [refs.record("Condition", "need", n) for n in goal.need_ids],
            "note": [annotation(goal.note)] if goal.note else [],
        }
    )


def _concept(name: str, value: str | None) -> Json | None:
    return None if value is None else codeable_concept(table(name).to_fhir(value).coding())


def _target(target: GoalTarget) -> Json:
    quantity = None
    if target.value is not None:
        comparator = _COMPARATORS.get(target.comparator) if target.comparator else None
        exact = extension(TARGET_COMPARATOR, valueCode="eq") if target.comparator == "eq" else None
        quantity = compact(
            {
                "extension": extensions(exact),
                "value": fhir_number(target.value),
                "comparator": comparator,
                "unit": target.unit,
            }
        )
    return compact(
        {
            "measure": {"text": target.measure} if target.measure else None,
            "detailQuantity": quantity,
            "detailString": target.text,
            "dueDate": fhir_date(target.due_date),
        }
    )


def from_fhir(
    goal: Mapping[str, Any], *, index: Index, progress: Sequence[GoalProgress] = ()
) -> Goal:
    """The goal behind a Goal resource; ``progress`` from its progress Observations.

    Foreign Goals: only the first target is read; a target measure given only as a coding
    keeps its display (or code) as the measure name; ``dueDuration`` is not supported (warned).
    """
    where = f"Goal/{goal.get('id')}"
    lifecycle = table("goal-lifecycle").from_fhir(
        str(goal.get("lifecycleStatus")), resource=where, element="Goal.lifecycleStatus"
    )
    expressed = (goal.get("expressedBy") or {}).get("reference", "")
    return Goal(
        id=index.lookup({"reference": where}, "Goal", where=where) or str(goal.get("id")),
        description=_text(goal.get("description")) or "unspecified goal",
        category=_read("goal-category", goal.get("category", []), where, "Goal.category"),
        priority=_read("goal-priority", [goal.get("priority")], where, "Goal.priority"),
        lifecycle=GoalLifecycle(lifecycle),
        achievement=_read(
            "goal-achievement", [goal.get("achievementStatus")], where, "Goal.achievementStatus"
        ),
        start_date=parse_date(goal.get("startDate"), where="Goal.startDate"),
        target=_read_target(goal, index),
        status_date=parse_date(goal.get("statusDate"), where="Goal.statusDate"),
        status_reason=goal.get("statusReason"),
        agreed_with_client=str(expressed).startswith("Patient/"),
        need_ids=tuple(
            i
            for ref in goal.get("addresses", [])
            if (i := index.lookup(ref, "Condition", where="Goal.addresses")) is not None
        ),
        progress=tuple(progress),
        note="\n\n".join(texts(goal.get("note", []))) or None,
    )


def _read(name: str, concepts: Sequence[Any], where: str, element: str) -> Any:
    concepts_table = table(name)
    for concept in concepts:
        coding = find_coding(concept, concepts_table.system)
        if coding is not None:
            value = concepts_table.from_fhir(coding["code"], resource=where, element=element)
            return {
                "goal-category": GoalCategory,
                "goal-priority": GoalPriority,
                "goal-achievement": GoalAchievement,
            }[name](value)
    return None


def _text(concept: Mapping[str, Any] | None) -> str | None:
    if not concept:
        return None
    if concept.get("text"):
        return str(concept["text"])
    codings = concept.get("coding", [{}])
    return str(codings[0].get("display") or codings[0].get("code") or "") or None


def _read_target(goal: Mapping[str, Any], index: Index) -> GoalTarget | None:
    targets = goal.get("target", [])
    if not targets:
        return None
    raw = targets[0]
    if len(targets) > 1 or "dueDuration" in raw:
        index.warn(goal, "only the first target with a dueDate is read")
    quantity = raw.get("detailQuantity") or {}
    comparator = _FROM_FHIR.get(quantity.get("comparator", ""))
    if find_extension(quantity, TARGET_COMPARATOR) is not None:
        comparator = Comparator.EQ
    return GoalTarget(
        measure=_text(raw.get("measure")),
        value=amount(quantity.get("value"), where="Goal.target.detailQuantity.value"),
        comparator=comparator,
        unit=quantity.get("unit"),
        text=raw.get("detailString"),
        due_date=parse_date(raw.get("dueDate"), where="Goal.target.dueDate"),
    )

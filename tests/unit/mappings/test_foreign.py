"""Resources written by other systems, shaped like the FHIR specification's examples."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from adapter.errors import MappingError
from adapter.mappings.context import Index
from adapter.mappings.resources import care_plan as careplan
from adapter.mappings.resources import episode_of_care, goal, task
from adapter.model.codes import CaseStatus, GoalLifecycle, GoalPriority, TaskStatus

FOREIGN = Path(__file__).parent / "foreign"


def _load(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FOREIGN / f"{name}.json").read_text())
    return loaded


def test_foreign_episode_maps_status_program_and_manager_with_documented_defaults():
    index = Index()
    fields = episode_of_care.from_fhir(_load("episodeofcare"), index=index)
    assert fields.status is CaseStatus.ON_HOLD
    assert fields.id == "hcc-4711"  # no adapter identifier: the FHIR id
    assert fields.opened_on == date(2023, 3, 1)
    assert fields.case_manager_id == "cm-9"
    assert fields.program.value == "complex-care"
    assert any("program" in w for w in index.warnings)


def test_foreign_goal_keeps_lifecycle_priority_target_and_client_agreement():
    index = Index()
    mapped = goal.from_fhir(_load("goal"), index=index)
    assert mapped.lifecycle is GoalLifecycle.ON_HOLD
    assert mapped.priority is GoalPriority.HIGH
    assert mapped.category is None  # HL7 goal-category is not the adapter's CodeSystem
    assert mapped.target is not None
    assert (mapped.target.measure, mapped.target.due_date) == ("Weight Measured", date(2023, 9, 12))
    assert mapped.agreed_with_client is True
    assert mapped.need_ids == ("obesity",)


def test_foreign_task_status_ready_imports_as_accepted_and_defaults_its_type():
    index = Index()
    mapped = task.from_fhir(_load("task"), index=index)
    assert mapped.status is TaskStatus.ACCEPTED
    assert mapped.type.value == "follow-up"
    assert mapped.title.startswith("Call the client back")
    assert mapped.owner_id == "dietitians"
    assert mapped.due is not None
    assert mapped.due.end == date(2023, 3, 20)
    assert any("intervention-type" in w for w in index.warnings)


def test_foreign_careplan_ignores_detail_activities_with_a_warning():
    index = Index()
    mapped = careplan.from_fhir(_load("careplan"), index=index)
    assert mapped.title == "Plan to reach a healthy weight"
    assert mapped.created_on == date(2023, 3, 12)
    assert mapped.note == "Client motivated"
    assert any("activity.detail" in w for w in index.warnings)


def test_warnings_name_the_resource_but_carry_no_clinical_content():
    index = Index()
    careplan.from_fhir(_load("careplan"), index=index)
    assert all("Dietitian" not in w and "motivated" not in w for w in index.warnings)


@pytest.mark.parametrize(
    ("name", "element", "value", "mapper"),
    [
        ("goal", "lifecycleStatus", "entered-in-error", goal.from_fhir),
        ("task", "status", "entered-in-error", task.from_fhir),
        ("careplan", "status", "unknown", careplan.from_fhir),
        ("episodeofcare", "status", "entered-in-error", episode_of_care.from_fhir),
    ],
)
def test_code_outside_the_tables_is_a_mapping_error_naming_resource_element_and_code(
    name, element, value, mapper
):
    resource = copy.deepcopy(_load(name))
    resource[element] = value
    with pytest.raises(MappingError) as caught:
        mapper(resource, index=Index())
    assert caught.value.resource == f"{resource['resourceType']}/{resource['id']}"
    assert caught.value.element == f"{resource['resourceType']}.{element}"
    assert caught.value.code == value


def test_missing_required_date_is_a_mapping_error():
    resource = _load("task")
    del resource["authoredOn"]
    with pytest.raises(MappingError, match=r"Task/callback/Task.authoredOn"):
        task.from_fhir(resource, index=Index())

"""Every extension URL the mappings write or read, in one place.

Adapter-defined extensions take their URL from :func:`adapter.canonical.extension`; the ids are
listed in ``tables/README.md`` so the profiles in ``profiles/`` define each of them.
"""

from __future__ import annotations

from typing import Final

from adapter.canonical import extension

__all__ = [
    "CASE_ACUITY",
    "CASE_CLOSURE_REASON",
    "CASE_MANAGER",
    "CASE_STATUS",
    "INTERPRETER_REQUIRED",
    "MEMBER_ORGANIZATION",
    "PERTAINS_TO_GOAL",
    "PLAN_REVISION_NUMBER",
    "PRACTICE_SETTING",
    "RECORD_NOTE",
    "REFERRAL_SOURCE_TYPE",
    "RELATED_CASE",
    "TARGET_COMPARATOR",
    "TASK_EPISODE_OF_CARE",
    "TASK_OWNER_HISTORY",
    "WORKFLOW_EPISODE",
]

# HL7 core (R4) extensions.
WORKFLOW_EPISODE: Final = "http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare"
PERTAINS_TO_GOAL: Final = "http://hl7.org/fhir/StructureDefinition/resource-pertainsToGoal"
INTERPRETER_REQUIRED: Final = "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired"

# Adapter extensions agreed with the profiles (docs/profiles.md).
CASE_CLOSURE_REASON: Final = extension("case-closure-reason")
CASE_ACUITY: Final = extension("case-acuity")
TASK_EPISODE_OF_CARE: Final = extension("task-episode-of-care")
REFERRAL_SOURCE_TYPE: Final = extension("referral-source-type")

# Adapter extensions added by the mappings, to keep the round trip lossless.
CASE_STATUS: Final = extension("case-status")
CASE_MANAGER: Final = extension("case-manager")
MEMBER_ORGANIZATION: Final = extension("member-organization")
PLAN_REVISION_NUMBER: Final = extension("plan-revision-number")
TARGET_COMPARATOR: Final = extension("target-comparator")
RECORD_NOTE: Final = extension("record-note")

# Adapter extensions of the practice settings and the gaps of issue 18 (docs/mapping.md).
PRACTICE_SETTING: Final = extension("practice-setting")
RELATED_CASE: Final = extension("related-case")
TASK_OWNER_HISTORY: Final = extension("task-owner-history")

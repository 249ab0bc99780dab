"""The parts of an outbound referral the Gravity SDOH Clinical Care guide asks for
(SDOHCC TaskForReferralManagement and SDOHCC ServiceRequest), as pure functions.

- ``Task.code`` carries ``fulfill`` (http://hl7.org/fhir/CodeSystem/task-code) next to the
  adapter's own intervention-type coding: the Task asks the owner to fulfil its focus.
- ``Task.requester`` / ``ServiceRequest.requester``: the case manager of the case.
- ``Task.output`` of a referral: type ``resulting-activity`` (SDOHCC temporary codes), the
  outcome as ``valueCodeableConcept.text``; a performer's ``valueReference`` (a Procedure) or
  coded value is read back as its display, text or reference.
- ``ServiceRequest.category``: the SDOH domain of the needs behind the referral (through its
  goals), where the need's assessment domain names one; ``reasonReference`` the needs'
  Conditions; ``supportingInfo`` the client's granted information-sharing consents;
  extension ``pertainsToGoal`` the goals.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from adapter.canonical import CANONICAL_BASE
from adapter.mappings.context import Refs
from adapter.mappings.datatypes import Json, find_coding
from adapter.model.case import Case
from adapter.model.codes import AssessmentDomain, ConsentScope, ConsentStatus
from adapter.model.need import Need
from adapter.model.task import Task

__all__ = [
    "ABORT",
    "ABORT_IDENTIFIER",
    "FULFILL",
    "SDOHCC_CODES",
    "TASK_CODE",
    "abort_task",
    "is_abort",
    "is_referral",
    "outcome_from_outputs",
    "outcome_output",
    "referral_needs",
    "requester",
    "sdoh_categories",
    "sharing_consents",
]

TASK_CODE: Final = "http://hl7.org/fhir/CodeSystem/task-code"
SDOHCC_CODES: Final = (
    "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes"
)
FULFILL: Final[Json] = {
    "system": TASK_CODE,
    "code": "fulfill",
    "display": "Fulfill the focal request",
}
ABORT: Final[Json] = {
    "system": TASK_CODE,
    "code": "abort",
    "display": "Mark the focal resource as no longer active",
}
#: The business identifier of the cancellation Tasks the adapter sends (value: the referral
#: Task's id and the attempt number, so a retry finds the one already written).
ABORT_IDENTIFIER: Final = f"{CANONICAL_BASE}/referral-abort"
RESULTING_ACTIVITY: Final[Json] = {
    "coding": [{"system": SDOHCC_CODES, "code": "resulting-activity"}],
    "text": "Resulting activity",
}

#: The SDOH domain (SDOHCC temporary codes) an assessment domain names; the others name none.
_SDOH_DOMAIN: Final[Mapping[AssessmentDomain, tuple[str, str]]] = {
    AssessmentDomain.SOCIAL_DETERMINANTS: (
        "sdoh-category-unspecified",
        "SDOH Category Unspecified",
    ),
    AssessmentDomain.FINANCIAL: ("financial-insecurity", "Financial Insecurity"),
}


def is_referral(task: Task) -> bool:
    """A task that asks an external performer to fulfil a ServiceRequest (it names a service)."""
    return task.service is not None


def requester(case: Case, refs: Refs) -> Json | None:
    """Who asks for the work: the case manager (Gravity makes ``Task.requester`` 1..1)."""
    return refs.member(case.case_manager_id)


def referral_needs(task: Task, case: Case) -> list[Need]:
    """The needs a task addresses, through its goals, in the case's order."""
    goals = {g.id: g for g in case.plan.goals} if case.plan is not None else {}
    wanted = {n for g in task.goal_ids if g in goals for n in goals[g].need_ids}
    return [n for n in case.needs if n.id in wanted]


def sdoh_categories(needs: Iterable[Need]) -> list[Json]:
    """One SDOH category per distinct domain the needs name (none for medical needs)."""
    codes = dict.fromkeys(_SDOH_DOMAIN[n.domain] for n in needs if n.domain in _SDOH_DOMAIN)
    return [
        {"coding": [{"system": SDOHCC_CODES, "code": code, "display": display}]}
        for code, display in codes
    ]


def sharing_consents(case: Case, refs: Refs) -> list[Json]:
    """The client's granted information-sharing consents (what lets the referral go out)."""
    return [
        ref
        for c in case.consents
        if c.scope is ConsentScope.INFORMATION_SHARING and c.status is ConsentStatus.GRANTED
        if (ref := refs.record("Consent", "consent", c.id)) is not None
    ]


def outcome_output(outcome: str) -> Json:
    """A referral's outcome as a Gravity ``resulting-activity`` output."""
    return {"type": RESULTING_ACTIVITY, "valueCodeableConcept": {"text": outcome}}


def outcome_from_outputs(outputs: Iterable[Mapping[str, Any]]) -> str | None:
    """The first outcome among a Task's outputs: a plain ``valueString`` (the adapter's form for
    other tasks), or a ``resulting-activity`` value as its text, display or reference."""
    for output in outputs:
        if "valueString" in output:
            return str(output["valueString"])
        if find_coding(output.get("type"), SDOHCC_CODES) is None:
            continue
        concept = output.get("valueCodeableConcept") or {}
        coding = (concept.get("coding") or [{}])[0]
        ref = output.get("valueReference") or {}
        text = (
            concept.get("text")
            or coding.get("display")
            or coding.get("code")
            or ref.get("display")
            or ref.get("reference")
        )
        if text:
            return str(text)
    return None


def is_abort(task: Mapping[str, Any]) -> bool:
    """A Task asking its owner to cancel its focus (code ``abort``)."""
    coding = find_coding(task.get("code"), TASK_CODE)
    return coding is not None and coding.get("code") == "abort"


def abort_task(
    referral: Mapping[str, Any], *, attempt: int, authored: str, reason: str | None
) -> Json:
    """The cancellation Task for a referral Task its performer has accepted or started:
    ``code=abort``, ``focus`` the referral, ``status=requested``, ``owner`` the referral's
    performer, ``requester`` its requester, for the same Patient; the performer answers it
    (completed: the referral is cancelled; rejected: it goes on)."""
    task_id = str(referral["id"])
    return {
        "resourceType": "Task",
        "identifier": [{"system": ABORT_IDENTIFIER, "value": f"{task_id}/{attempt}"}],
        "status": "requested",
        "intent": "order",
        "code": {"coding": [dict(ABORT)], "text": "Cancel the referral"},
        "focus": {"reference": f"Task/{task_id}"},
        **{k: referral[k] for k in ("for", "owner", "requester") if k in referral},
        "authoredOn": authored,
        **({"reasonCode": {"text": reason}} if reason else {}),
    }

"""Referral into case management, and external services of referral tasks <-> ServiceRequest."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapter.mappings.context import Index, Refs
from adapter.mappings.datatypes import (
    Json,
    codeable_concept,
    compact,
    fhir_date,
    find_coding,
    find_extension,
    parse_date,
    required,
)
from adapter.mappings.extensions import PERTAINS_TO_GOAL, REFERRAL_SOURCE_TYPE, WORKFLOW_EPISODE
from adapter.mappings.resources import gravity
from adapter.mappings.terminology import table
from adapter.model.case import Case
from adapter.model.codes import ReferralSourceType
from adapter.model.referral import Referral
from adapter.model.task import Task

__all__ = ["REFERRAL_TO_CM", "from_fhir", "service_to_fhir", "to_fhir"]

REFERRAL_TO_CM = {"text": "Referral to case management"}


def to_fhir(referral: Referral, *, case: Case) -> Json:
    """The ServiceRequest of the referral that brought the client into case management."""
    refs = Refs.of(case)
    source = table("referral-source-type").to_fhir(referral.source_type)
    return compact(
        {
            "resourceType": "ServiceRequest",
            "id": refs.id("referral", referral.id),
            "extension": [
                {
                    "url": REFERRAL_SOURCE_TYPE,
                    "valueCodeableConcept": codeable_concept(source.coding()),
                }
            ],
            "identifier": [refs.identifier("referral", referral.id)],
            # The referral was acted on: the case exists. Its status is not tracked further.
            "status": "completed",
            "intent": "order",
            "code": REFERRAL_TO_CM,
            "subject": refs.patient(),
            "authoredOn": fhir_date(referral.received_on),
            "requester": {"display": referral.source_name} if referral.source_name else None,
            "reasonCode": [{"text": referral.reason}],
        }
    )


def from_fhir(request: Mapping[str, Any], *, index: Index) -> Referral:
    """The referral behind a ServiceRequest. Without a source-type extension: ``physician``."""
    where = f"ServiceRequest/{request.get('id')}"
    concept = (find_extension(request, REFERRAL_SOURCE_TYPE) or {}).get("valueCodeableConcept")
    sources = table("referral-source-type")
    coding = find_coding(concept, sources.system)
    reason = (request.get("reasonCode") or [{}])[0].get("text") or "not recorded"
    return Referral(
        id=index.lookup({"reference": where}, "ServiceRequest", where=where)
        or str(request.get("id")),
        source_type=ReferralSourceType(
            sources.from_fhir(
                coding["code"], resource=where, element="extension[referral-source-type]"
            )
            if coding
            else ReferralSourceType.PHYSICIAN
        ),
        source_name=(request.get("requester") or {}).get("display"),
        received_on=required(
            parse_date(request.get("authoredOn"), where="ServiceRequest.authoredOn"),
            resource=where,
            element="ServiceRequest.authoredOn",
        ),
        reason=reason,
    )


def service_to_fhir(task: Task, *, case: Case) -> Json:
    """The ServiceRequest a referral task asks an external service to fulfil (Gravity): its
    SDOH category, the needs it addresses, the goals it serves, the consent to share."""
    refs = Refs.of(case)
    needs = gravity.referral_needs(task, case)
    goals = [
        {"url": PERTAINS_TO_GOAL, "valueReference": refs.record("Goal", "goal", g)}
        for g in task.goal_ids
    ]
    return compact(
        {
            "resourceType": "ServiceRequest",
            "id": refs.id("service-request", task.id),
            "extension": [{"url": WORKFLOW_EPISODE, "valueReference": refs.episode()}, *goals],
            "identifier": [refs.identifier("service-request", task.id)],
            # Derived from the Task, which is the source of truth for the referral's state.
            "status": table("service-request-status").to_fhir(task.status).code,
            "intent": "order",
            # what kind of work orders the service (a payer's special services, a discharge)
            "category": [
                codeable_concept(table("intervention-type").to_fhir(task.type).coding()),
                *gravity.sdoh_categories(needs),
            ],
            "code": {"text": task.service},
            "subject": refs.patient(),
            "basedOn": [refs.careplan()] if refs.plan_id else [],
            "authoredOn": task.created_at.isoformat(),
            "requester": gravity.requester(case, refs),
            "performer": [refs.member(task.owner_id)] if task.owner_id else [],
            "reasonReference": [refs.record("Condition", "need", n.id) for n in needs],
            "supportingInfo": gravity.sharing_consents(case, refs),
        }
    )

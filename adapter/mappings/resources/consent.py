"""Consent <-> Consent (scope treatment for participation, patient-privacy for sharing)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapter.mappings.context import Index, Refs
from adapter.mappings.datatypes import (
    Json,
    codeable_concept,
    coding,
    compact,
    extension,
    extensions,
    fhir_date,
    find_coding,
    find_extension,
    identifier_value,
    parse_date,
    required,
)
from adapter.mappings.extensions import RECORD_NOTE
from adapter.mappings.terminology import table
from adapter.model.case import Case
from adapter.model.codes import ConsentScope, ConsentStatus
from adapter.model.consent import Consent

__all__ = ["from_fhir", "to_fhir"]

PATIENT_CONSENT = coding("http://loinc.org", "59284-0", "Patient Consent")
# ppc-1: a Consent needs a policy or a policyRule; the program's own consent policy.
POLICY_RULE = {"text": "Case-management program consent policy"}
_RECIPIENT = coding("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "IRCP")


def to_fhir(consent: Consent, *, case: Case) -> Json:
    """The Consent of one consent decision of the client."""
    refs = Refs.of(case)
    actor = None
    if consent.share_with is not None:
        actor = {"role": codeable_concept(_RECIPIENT), "reference": {"display": consent.share_with}}
    provision = compact(
        {
            "period": {"end": fhir_date(consent.expires_on)} if consent.expires_on else None,
            "actor": [actor] if actor else [],
        }
    )
    return compact(
        {
            "resourceType": "Consent",
            "id": refs.id("consent", consent.id),
            "extension": extensions(extension(RECORD_NOTE, valueString=consent.note)),
            "identifier": [refs.identifier("consent", consent.id)],
            "status": table("consent-status").to_fhir(consent.status).code,
            "scope": codeable_concept(table("consent-scope").to_fhir(consent.scope).coding()),
            "category": [codeable_concept(PATIENT_CONSENT)],  # category is 1..*
            "patient": refs.patient(),
            "dateTime": fhir_date(consent.recorded_on),
            # who agreed: a guardian or legal representative; absent, the client themself
            "performer": [refs.member(consent.given_by_id)] if consent.given_by_id else [],
            "policyRule": POLICY_RULE,
            "provision": provision or None,
        }
    )


def from_fhir(resource: Mapping[str, Any], *, index: Index) -> Consent:
    """The consent behind a Consent. Foreign scopes other than treatment/privacy are errors."""
    where = f"Consent/{resource.get('id')}"
    scopes = table("consent-scope")
    scope = required(
        find_coding(resource.get("scope"), scopes.system), resource=where, element="scope"
    )
    provision = resource.get("provision") or {}
    actors = provision.get("actor", [])
    note = find_extension(resource, RECORD_NOTE)
    return Consent(
        id=identifier_value(resource, "consent", last=True) or str(resource.get("id")),
        scope=ConsentScope(
            scopes.from_fhir(scope["code"], resource=where, element="Consent.scope")
        ),
        status=ConsentStatus(
            table("consent-status").from_fhir(
                str(resource.get("status")), resource=where, element="Consent.status"
            )
        ),
        recorded_on=required(
            parse_date(resource.get("dateTime"), where="Consent.dateTime"),
            resource=where,
            element="Consent.dateTime",
        ),
        expires_on=parse_date((provision.get("period") or {}).get("end"), where="provision.period"),
        share_with=(actors[0].get("reference") or {}).get("display") if actors else None,
        note=note.get("valueString") if note else None,
        given_by_id=_given_by(resource, index),
    )


def _given_by(resource: Mapping[str, Any], index: Index) -> str | None:
    """The care team member in ``performer``; the client (``Patient``) is no member."""
    for ref in resource.get("performer", []):
        if not str(ref.get("reference", "")).startswith("Patient/"):
            return index.lookup_any(ref, where="Consent.performer")
    return None

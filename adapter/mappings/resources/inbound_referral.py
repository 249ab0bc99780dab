"""An inbound referral (Gravity: a Task addressed to the case-management organization, its
focus ServiceRequest and the Patient) -> a new case in status ``referred``. Pure: no I/O.

- the client is the Patient, referenced by its server id (``client.fhir_id``): the referrer's
  Patient is never written again; a Patient on another server (an absolute reference) cannot
  be referenced from the case's server, so the case keeps its demographics as its own client;
- the referral: id = the Task's id, received on ``Task.authoredOn`` (else the claim's day),
  source type from the requester's resource type (Practitioner/PractitionerRole: physician,
  Organization: hospital, RelatedPerson: family, Patient: self), source name its display,
  reason the ServiceRequest's reasonCode, else its code, in words;
- the case: id given by the caller, the program given by the caller (a referral names none),
  status ``referred``, opened on the day received.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from adapter.errors import MappingError
from adapter.mappings.datatypes import parse_datetime
from adapter.mappings.resources import patient as patient_mapping
from adapter.model.case import Case
from adapter.model.codes import CaseStatus, ProgramType, ReferralSourceType
from adapter.model.validation import parse_case

__all__ = ["case_from_referral", "referenced_id", "split_reference"]

_SOURCE = {
    "Practitioner": ReferralSourceType.PHYSICIAN,
    "PractitionerRole": ReferralSourceType.PHYSICIAN,
    "Organization": ReferralSourceType.HOSPITAL,
    "RelatedPerson": ReferralSourceType.FAMILY,
    "Patient": ReferralSourceType.SELF,
}


def referenced_id(ref: Mapping[str, Any] | None, resource_type: str, *, element: str) -> str:
    """The id of a relative reference ``<type>/<id>`` on the same server; anything else (an
    absolute URL to another server, a contained or display-only reference) is refused."""
    text = (ref or {}).get("reference")
    parts = text.split("/") if isinstance(text, str) else []
    if len(parts) != 2 or parts[0] != resource_type or not parts[1]:
        raise MappingError(
            f"expected a reference to a {resource_type} on this server", element=element
        )
    return parts[1]


def split_reference(
    ref: Mapping[str, Any] | None, resource_type: str, *, element: str
) -> tuple[str | None, str]:
    """(server base or None, id) of a reference to a ``resource_type``: ``Type/id`` is on the
    Task's own server (None); an absolute ``http(s)://.../Type/id[/_history/n]`` names its
    server's base URL. A contained, logical or display-only reference is refused."""
    text = (ref or {}).get("reference")
    if isinstance(text, str) and text.startswith(("http://", "https://")):
        head, _, _ = text.partition("/_history/")
        base, _, tail = head.rstrip("/").rpartition(f"/{resource_type}/")
        if base and tail and "/" not in tail and "://" in base:
            return base, tail
        raise MappingError(f"expected a reference to a {resource_type}", element=element)
    return None, referenced_id(ref, resource_type, element=element)


def case_from_referral(
    task: Mapping[str, Any],
    request: Mapping[str, Any],
    patient: Mapping[str, Any],
    *,
    case_id: str,
    program: ProgramType,
    today: date,
    patient_here: bool = True,
) -> Case:
    """The ``referred`` case an inbound referral opens (see the module docstring).
    ``patient_here``: the Patient is on the server the case is pushed to, so the case refers
    to it; a Patient read from another server is not (the push writes the case's own)."""
    client = patient_mapping.from_fhir(patient)
    if patient_here:
        client = client.model_copy(update={"fhir_id": str(patient.get("id"))})
    authored = parse_datetime(task.get("authoredOn"), where="Task.authoredOn")
    received = authored.date() if authored is not None else today
    requester = task.get("requester") or request.get("requester") or {}
    kind = str(requester.get("reference") or "").split("/")[0]
    referral = {
        "id": str(task.get("id")),
        "source_type": _SOURCE.get(kind, ReferralSourceType.PHYSICIAN).value,
        "source_name": requester.get("display"),
        "received_on": received.isoformat(),
        "reason": _reason(request),
    }
    document = {
        "id": case_id,
        "program": program.value,
        "status": CaseStatus.REFERRED.value,
        "client": client.model_dump(mode="json", exclude_none=True, by_alias=True),
        "referral": {k: v for k, v in referral.items() if v is not None},
        "opened_on": received.isoformat(),
    }
    return parse_case(document)


def _reason(request: Mapping[str, Any]) -> str:
    for concept in [*(request.get("reasonCode") or []), request.get("code") or {}]:
        coding = (concept.get("coding") or [{}])[0]
        text = concept.get("text") or coding.get("display")
        if text:
            return str(text)
    return "not recorded"

"""Client <-> Patient (plus one preference Observation per client preference)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from adapter.mappings.datatypes import (
    Json,
    codeable_concept,
    compact,
    extension,
    extensions,
    fhir_date,
    find_coding,
    find_extension,
    identifier,
    identifier_value,
    parse_date,
    required,
)
from adapter.mappings.extensions import INTERPRETER_REQUIRED
from adapter.mappings.ids import resource_id
from adapter.mappings.terminology import table
from adapter.model.client import Address, Client, ClientIdentifier, ContactInfo, PersonName
from adapter.model.codes import Gender, IdentifierKind

__all__ = ["from_fhir", "to_fhir"]

LANGUAGE_SYSTEM = "urn:ietf:bcp:47"


def to_fhir(client: Client) -> Json:
    """The Patient for a client. Patients are shared by every case of the same client."""
    return compact(
        {
            "resourceType": "Patient",
            "id": resource_id("patient", client.id),
            "identifier": [identifier("client", client.id)]
            + [_client_identifier(item) for item in client.identifiers],
            "extension": extensions(
                extension(INTERPRETER_REQUIRED, valueBoolean=client.interpreter_needed or None)
            ),
            "name": [{"family": client.name.family, "given": list(client.name.given)}],
            "telecom": _telecom(client.contact),
            "gender": table("gender").to_fhir(client.gender).code,
            "birthDate": fhir_date(client.birth_date),
            "deceasedDateTime": fhir_date(client.deceased_on),
            "address": _address(client.contact),
            "communication": _language(client.language),
        }
    )


def _client_identifier(item: ClientIdentifier) -> Json:
    kind = table("identifier-kind").to_fhir(item.kind)
    assigner = {"display": item.assigner} if item.assigner else None
    return compact(
        {
            "type": codeable_concept(kind.coding()),
            "system": item.system,
            "value": item.value,
            "assigner": assigner,
        }
    )


def _telecom(contact: ContactInfo | None) -> list[Json]:
    if contact is None:
        return []
    points = [("phone", contact.phone), ("email", contact.email)]
    return [{"system": system, "value": value} for system, value in points if value]


def _address(contact: ContactInfo | None) -> list[Json]:
    if contact is None or contact.address is None:
        return []
    a = contact.address
    fields = {"line": list(a.lines), "city": a.city, "state": a.state}
    return [compact({**fields, "postalCode": a.postal_code, "country": a.country})]


def _language(tag: str | None) -> list[Json]:
    if tag is None:
        return []
    language = codeable_concept({"system": LANGUAGE_SYSTEM, "code": tag})
    return [{"language": language, "preferred": True}]


def from_fhir(patient: Mapping[str, Any], *, preferences: Sequence[Any] = ()) -> Client:
    """The client behind a Patient; ``preferences`` come from the preference Observations.

    A foreign Patient without the adapter's identifier takes its FHIR id as client id; the first
    ``name`` is used; other names, telecoms and addresses are ignored.
    """
    where = f"Patient/{patient.get('id')}"
    name = (patient.get("name") or [{}])[0]
    gender = table("gender").from_fhir(
        patient.get("gender", "unknown"), resource=where, element="Patient.gender"
    )
    interpreter = find_extension(patient, INTERPRETER_REQUIRED) or {}
    return Client(
        id=identifier_value(patient, "client") or str(patient.get("id")),
        identifiers=tuple(_read_identifiers(patient, where)),
        name=PersonName(family=name.get("family", ""), given=tuple(name.get("given", ()))),
        birth_date=required(
            parse_date(patient.get("birthDate"), where="Patient.birthDate"),
            resource=where,
            element="Patient.birthDate",
        ),
        gender=Gender(gender),
        language=_read_language(patient),
        interpreter_needed=bool(interpreter.get("valueBoolean", False)),
        contact=_read_contact(patient),
        preferences=tuple(preferences),
        deceased_on=parse_date(patient.get("deceasedDateTime"), where="Patient.deceasedDateTime"),
    )


def _read_identifiers(patient: Mapping[str, Any], where: str) -> list[ClientIdentifier]:
    kinds = table("identifier-kind")
    out = []
    for item in patient.get("identifier", []):
        coding = find_coding(item.get("type"), kinds.system)
        if coding is None:
            continue
        kind = kinds.from_fhir(coding["code"], resource=where, element="Patient.identifier.type")
        assigner = (item.get("assigner") or {}).get("display")
        out.append(
            ClientIdentifier(
                kind=IdentifierKind(kind),
                value=item["value"],
                assigner=assigner,
                system=item.get("system"),
            )
        )
    return out


def _read_language(patient: Mapping[str, Any]) -> str | None:
    for item in patient.get("communication", []):
        coding = find_coding(item.get("language"), LANGUAGE_SYSTEM)
        if coding is not None:
            return str(coding["code"])
    return None


def _read_contact(patient: Mapping[str, Any]) -> ContactInfo | None:
    telecom = {t.get("system"): t.get("value") for t in reversed(patient.get("telecom", []))}
    raw = (patient.get("address") or [None])[0]
    address = None
    if raw:
        address = Address(
            lines=tuple(raw.get("line", ())),
            city=raw.get("city"),
            state=raw.get("state"),
            postal_code=raw.get("postalCode"),
            country=raw.get("country"),
        )
    if not telecom.get("phone") and not telecom.get("email") and address is None:
        return None
    return ContactInfo(phone=telecom.get("phone"), email=telecom.get("email"), address=address)

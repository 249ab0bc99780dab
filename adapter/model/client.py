"""The client: the person receiving case management."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from adapter.model.base import (
    Email,
    FhirId,
    FieldRuleError,
    Id,
    Name,
    Phone,
    Record,
    ShortText,
    SystemUri,
    process_rule,
    require_unique,
)
from adapter.model.codes import Gender, IdentifierKind, PreferenceKind

__all__ = ["Address", "Client", "ClientIdentifier", "ContactInfo", "PersonName", "Preference"]

LanguageTag = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")]


class ClientIdentifier(Record):
    """An identifier of the client in another system (MRN, payer member id, ...).

    ``assigner`` names who issued it (a hospital, a health plan); ``kind`` plus ``assigner``
    tell systems apart when a client has, say, two MRNs. ``system`` is the issuer's identifier
    system (``urn:oid:...``, a URL): with it, the EHR and the payer recognise the identifier,
    and ``match_existing`` can find the client's Patient by it.
    """

    kind: IdentifierKind
    value: Name
    assigner: Name | None = None
    system: SystemUri | None = None


class PersonName(Record):
    """A person's name: family name and one or more given names."""

    family: Name
    given: tuple[Name, ...] = Field(min_length=1, max_length=5)


class Address(Record):
    """A postal address."""

    lines: tuple[Name, ...] = Field(default=(), max_length=4)
    city: Name | None = None
    state: Name | None = None
    postal_code: Annotated[str, StringConstraints(min_length=1, max_length=20)] | None = None
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] | None = None


class ContactInfo(Record):
    """How to reach the client."""

    phone: Phone | None = None
    email: Email | None = None
    address: Address | None = None


class Preference(Record):
    """Something the client wants taken into account (contact times, cultural needs, ...)."""

    id: Id
    kind: PreferenceKind
    text: ShortText


class Client(Record):
    """The person receiving case management, with identifiers, contact and preferences.

    ``language`` is a BCP-47 tag (``en``, ``es-MX``). ``deceased_on`` is set when the client
    died (a case closed as ``deceased`` usually carries it).
    """

    id: Id
    identifiers: tuple[ClientIdentifier, ...] = Field(default=(), max_length=20)
    name: PersonName
    birth_date: date
    gender: Gender
    language: LanguageTag | None = None
    interpreter_needed: bool = False
    contact: ContactInfo | None = None
    preferences: tuple[Preference, ...] = Field(default=(), max_length=50)
    deceased_on: date | None = None
    # The client's Patient is on the server already (written by the EHR): reference it by its
    # id, or find it by the first identifier with a system, and never write a Patient.
    fhir_id: FhirId | None = None
    match_existing: bool = False

    @model_validator(mode="after")
    @process_rule
    def _consistent(self) -> Client:
        if self.deceased_on is not None and self.deceased_on < self.birth_date:
            raise FieldRuleError("deceased_on", "date of death is before the birth date")
        keys = (f"{i.kind}|{i.assigner or ''}|{i.value}" for i in self.identifiers)
        require_unique(keys, field="identifiers", attr="value")
        require_unique((p.id for p in self.preferences), field="preferences")
        if self.match_existing and not any(i.system for i in self.identifiers):
            raise FieldRuleError("match_existing", "needs an identifier with a system to match")
        return self

    @property
    def matching_identifier(self) -> ClientIdentifier | None:
        """The identifier ``match_existing`` searches the server's Patients by."""
        return next((i for i in self.identifiers if i.system), None)

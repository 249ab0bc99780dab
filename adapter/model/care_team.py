"""Members of the client's care team, the case manager among them."""

from __future__ import annotations

from pydantic import model_validator

from adapter.model.base import Email, FhirId, FieldRuleError, Id, Name, Phone, Record, process_rule
from adapter.model.codes import CareTeamRole, MemberKind

__all__ = ["CareTeamMember"]


class CareTeamMember(Record):
    """A person or organization taking part in the client's care.

    Professionals and caregivers are people; an organization (a home-care agency, a food bank)
    is a member too when it receives referrals or owns tasks. ``organization`` is the
    employer of a professional.
    """

    id: Id
    kind: MemberKind
    name: Name
    role: CareTeamRole
    organization: Name | None = None
    phone: Phone | None = None
    email: Email | None = None
    # The member's Practitioner/Organization/RelatedPerson is on the server already (from the
    # EHR's directory): reference it by its id and never write one.
    fhir_id: FhirId | None = None

    @model_validator(mode="after")
    @process_rule
    def _consistent(self) -> CareTeamMember:
        if self.kind is MemberKind.ORGANIZATION and self.organization is not None:
            raise FieldRuleError("organization", "an organization member has no employer")
        return self

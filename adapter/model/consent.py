"""The client's consents: to take part in case management, and to share information."""

from __future__ import annotations

from datetime import date

from pydantic import model_validator

from adapter.model.base import Id, Record, ShortText, process_rule, require_order
from adapter.model.codes import ConsentScope, ConsentStatus

__all__ = ["Consent"]


class Consent(Record):
    """One consent decision of the client (or their representative).

    ``recorded_on`` is when the decision (or the pending request) was recorded; ``expires_on``
    ends a granted consent; ``share_with`` names who may receive information, for
    ``information-sharing`` consents. ``given_by_id`` is the care team member who gave the
    consent for the client (a guardian, a legal representative); absent, the client gave it.
    """

    id: Id
    scope: ConsentScope
    status: ConsentStatus
    recorded_on: date
    expires_on: date | None = None
    share_with: ShortText | None = None
    note: ShortText | None = None
    given_by_id: Id | None = None

    @model_validator(mode="after")
    @process_rule
    def _consistent(self) -> Consent:
        require_order(self.recorded_on, self.expires_on, field="expires_on", what="expiry")
        return self

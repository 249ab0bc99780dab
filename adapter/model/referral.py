"""The referral that brought the client into case management."""

from __future__ import annotations

from datetime import date

from adapter.model.base import Id, Name, Record, Text
from adapter.model.codes import ReferralSourceType

__all__ = ["Referral"]


class Referral(Record):
    """Who referred the client, when, and why.

    ``source_name`` names the referrer (a physician, a hospital unit, an employer) in words.
    """

    id: Id
    source_type: ReferralSourceType
    source_name: Name | None = None
    received_on: date
    reason: Text

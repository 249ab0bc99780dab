"""The client's payer coverage."""

from __future__ import annotations

from adapter.model.base import Id, Name, Period, Record
from adapter.model.codes import CoverageKind

__all__ = ["Coverage"]


class Coverage(Record):
    """A health plan or other payer that covers the client's care."""

    id: Id
    kind: CoverageKind
    payer: Name
    plan_name: Name | None = None
    member_id: Name | None = None
    period: Period | None = None

"""A link from a case to an earlier case of the same client."""

from __future__ import annotations

from adapter.model.base import Id, Record, ShortText
from adapter.model.codes import CaseLinkRelation

__all__ = ["CaseLink"]


class CaseLink(Record):
    """An earlier case of the same client that this one continues: ``transferred-from`` (the
    client moved to another case manager, e.g. after a conflict of interest), ``reopened-from``
    (the same need came back after closure) or ``follows``. ``case_id`` is that case's number."""

    case_id: Id
    relation: CaseLinkRelation
    note: ShortText | None = None

"""Monitoring notes: contacts, outreach attempts, case reviews and progress notes."""

from __future__ import annotations

from pydantic import AwareDatetime, Field, model_validator

from adapter.model.base import FieldRuleError, Id, Record, Text, process_rule, require_unique
from adapter.model.codes import ContactMode, NoteKind

__all__ = ["MonitoringNote"]

_CONTACT_KINDS = frozenset({NoteKind.CONTACT, NoteKind.OUTREACH_ATTEMPT})


class MonitoringNote(Record):
    """A dated note from monitoring the case.

    For contacts and outreach attempts ``mode`` says how and ``reached`` whether the client was
    reached (a run of unsuccessful attempts documents an unreachable client). ``goal_ids`` and
    ``task_ids`` link the goals and tasks the note is about.
    """

    id: Id
    kind: NoteKind
    recorded_at: AwareDatetime
    author_id: Id | None = None
    mode: ContactMode | None = None
    reached: bool | None = None
    text: Text
    goal_ids: tuple[Id, ...] = Field(default=(), max_length=50)
    task_ids: tuple[Id, ...] = Field(default=(), max_length=50)

    @model_validator(mode="after")
    @process_rule
    def _consistent(self) -> MonitoringNote:
        if self.kind in _CONTACT_KINDS:
            if self.reached is None:
                reason = f"a {self.kind.value} note says whether the client was reached"
                raise FieldRuleError("reached", reason)
        elif self.reached is not None or self.mode is not None:
            field = "reached" if self.reached is not None else "mode"
            raise FieldRuleError(field, f"a {self.kind.value} note has no {field}")
        require_unique(self.goal_ids, field="goal_ids", attr="")
        require_unique(self.task_ids, field="task_ids", attr="")
        return self

"""Monitoring note <-> Communication (outreach attempts that did not reach the client: not-done).

``reached`` is carried by the status: for contacts and outreach attempts ``completed`` means the
client was reached and ``not-done`` that they were not; other notes are always ``completed``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapter.mappings.context import Index, Refs
from adapter.mappings.datatypes import (
    Json,
    codeable_concept,
    compact,
    fhir_datetime,
    find_coding,
    identifier_value,
    parse_datetime,
    required,
)
from adapter.mappings.extensions import WORKFLOW_EPISODE
from adapter.mappings.terminology import table
from adapter.model.case import Case
from adapter.model.codes import ContactMode, NoteKind
from adapter.model.note import MonitoringNote

__all__ = ["from_fhir", "to_fhir"]

_CONTACT_KINDS = {NoteKind.CONTACT, NoteKind.OUTREACH_ATTEMPT}


def to_fhir(note: MonitoringNote, *, case: Case) -> Json:
    """The Communication of one monitoring note."""
    refs = Refs.of(case)
    mode = table("contact-mode").to_fhir(note.mode).coding() if note.mode else None
    about = [refs.record("Goal", "goal", g) for g in note.goal_ids]
    about += [refs.record("Task", "task", t) for t in note.task_ids]
    return compact(
        {
            "resourceType": "Communication",
            "id": refs.id("note", note.id),
            "extension": [{"url": WORKFLOW_EPISODE, "valueReference": refs.episode()}],
            "identifier": [refs.identifier("note", note.id)],
            "status": "not-done" if note.reached is False else "completed",
            "category": [codeable_concept(table("note-kind").to_fhir(note.kind).coding())],
            "medium": [codeable_concept(mode)] if mode else [],
            "subject": refs.patient(),
            "about": about,
            "sent": fhir_datetime(note.recorded_at),
            "sender": refs.member(note.author_id),
            "payload": [{"contentString": note.text}],
        }
    )


def from_fhir(resource: Mapping[str, Any], *, index: Index) -> MonitoringNote:
    """The monitoring note behind a Communication; a foreign one without a note-kind coding
    is a ``progress-note``, and its first string payload is the text."""
    where = f"Communication/{resource.get('id')}"
    kinds = table("note-kind")
    found = next(
        (c for cat in resource.get("category", []) if (c := find_coding(cat, kinds.system))), None
    )
    kind = NoteKind(
        kinds.from_fhir(found["code"], resource=where, element="category")
        if found
        else NoteKind.PROGRESS_NOTE
    )
    modes = table("contact-mode")
    mode = next(
        (c for m in resource.get("medium", []) if (c := find_coding(m, modes.system))), None
    )
    about = resource.get("about", [])
    texts = [p["contentString"] for p in resource.get("payload", []) if "contentString" in p]
    return MonitoringNote(
        id=identifier_value(resource, "note", last=True) or str(resource.get("id")),
        kind=kind,
        recorded_at=required(
            parse_datetime(resource.get("sent"), where="Communication.sent"),
            resource=where,
            element="Communication.sent",
        ),
        author_id=index.lookup_any(resource.get("sender"), where="Communication.sender"),
        mode=ContactMode(modes.from_fhir(mode["code"], resource=where, element="medium"))
        if mode
        else None,
        reached=(resource.get("status") != "not-done") if kind in _CONTACT_KINDS else None,
        text=required(texts[0] if texts else None, resource=where, element="payload"),
        goal_ids=_about(about, "Goal", index),
        task_ids=_about(about, "Task", index),
    )


def _about(refs: list[Any], resource_type: str, index: Index) -> tuple[str, ...]:
    prefix = f"{resource_type}/"
    chosen = [r for r in refs if str(r.get("reference", "")).startswith(prefix)]
    found = [index.lookup(r, resource_type, where="Communication.about") for r in chosen]
    return tuple(i for i in found if i)

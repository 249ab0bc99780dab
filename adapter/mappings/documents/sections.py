"""The sections of a transitions-of-care document, each with generated narrative.

Section codes are PACIO Transitions of Care's (``TOC-Composition``) where it has a slice for the
content: plan of care, problems, reason for referral, functional status, and the three it
requires that a case-management record does not hold (allergies, medications, results), which
are sent empty with ``emptyReason`` ``unavailable``. The care team and the goals (a sub-section
of the plan, since PACIO's plan slice takes only CarePlan entries) use the C-CDA section codes.
Entries are relative references to the resources the mapping writes for the case.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from adapter.mappings.context import Refs
from adapter.mappings.datatypes import Json, codeable_concept, coding, compact
from adapter.mappings.documents.narrative import bullets, grid, labelled, narrative, paragraph
from adapter.mappings.terminology import table
from adapter.model.assessment import Assessment, InstrumentScore
from adapter.model.case import Case

__all__ = ["LOINC", "transition_sections"]

LOINC: Final = "http://loinc.org"
_EMPTY_REASON: Final = "http://terminology.hl7.org/CodeSystem/list-empty-reason"
_NOT_HELD: Final = "Not part of the case-management record."

#: The LOINC display of each section code (PACIO TOC's where it names the section).
_DISPLAY: Final = {
    "42349-1": "Reason for referral (narrative)",
    "46019-6": "Diseases or conditions Set",
    "74449-0": "Patient plan of care - recommended IHE set",
    "61146-7": "Goals",
    "54522-8": "Functional status",
    "85847-2": "Patient Care team information",
    "48765-2": "Allergies and adverse reactions Document",
    "52471-0": "Medications",
    "19146-0": "Referral lab test results",
}


def transition_sections(case: Case) -> list[Json]:
    """Every section of the transitions-of-care document of ``case``, in reading order."""
    refs = Refs.of(case)
    return [
        _referral(case, refs),
        _problems(case, refs),
        _plan(case, refs),
        _functional_status(case, refs),
        _care_team(case, refs),
        *(_not_held(code, title) for code, title in _NOT_HELD_SECTIONS),
    ]


_NOT_HELD_SECTIONS: Final = (
    ("48765-2", "Allergies and adverse reactions"),
    ("52471-0", "Medications"),
    ("19146-0", "Results"),
)


def _section(
    code: str,
    title: str,
    text: Json,
    entries: Iterable[Json | None] = (),
    *,
    empty: str | None = None,
    subsections: Iterable[Json] = (),
) -> Json:
    found = [e for e in entries if e is not None]
    return compact(
        {
            "title": title,
            "code": codeable_concept(coding(LOINC, code, _DISPLAY[code])),
            "text": text,
            "entry": found,
            # cmp-2: an emptyReason only on a section without entries.
            "emptyReason": None
            if found or empty is None
            else codeable_concept(coding(_EMPTY_REASON, empty)),
            "section": list(subsections),
        }
    )


def _label(concept: str, value: str) -> str:
    return table(concept).to_fhir(value).display or value


def _referral(case: Case, refs: Refs) -> Json:
    referral = case.referral
    text = narrative(
        labelled("Received", referral.received_on.isoformat()),
        labelled("Referred by", _label("referral-source-type", referral.source_type)),
        labelled("Referral source", referral.source_name),
        labelled("Reason", referral.reason),
    )
    entry = refs.record("ServiceRequest", "referral", referral.id)
    return _section("42349-1", "Reason for referral", text, [entry])


def _problems(case: Case, refs: Refs) -> Json:
    rows = [
        (
            n.description,
            _label("need-kind", n.kind),
            _label("need-status", n.status),
            n.identified_on.isoformat(),
            n.resolved_on.isoformat() if n.resolved_on else None,
        )
        for n in case.needs
    ]
    text = narrative(
        grid(("Problem or need", "Kind", "Status", "Identified", "Resolved"), rows) if rows else ""
    )
    entries = [refs.record("Condition", "need", n.id) for n in case.needs]
    return _section("46019-6", "Problems and needs", text, entries, empty="nilknown")


def _plan(case: Case, refs: Refs) -> Json:
    plan = case.plan
    if plan is None:
        text = narrative(paragraph("No plan of care has been made yet."))
        return _section("74449-0", "Plan of care", text, empty="notstarted")
    span = plan.period
    text = narrative(
        labelled("Plan", plan.title),
        labelled("Status", _label("plan-status", plan.status)),
        labelled("Created", plan.created_on.isoformat()),
        labelled("From", span.start.isoformat() if span and span.start else None),
        labelled("Until", span.end.isoformat() if span and span.end else None),
        labelled("Revisions", len(plan.revisions) or None),
        labelled("Note", plan.note),
    )
    goals = [
        (
            g.description,
            _label("goal-lifecycle", g.lifecycle),
            _label("goal-achievement", g.achievement) if g.achievement else None,
            g.target.due_date.isoformat() if g.target and g.target.due_date else None,
        )
        for g in plan.goals
    ]
    goal_text = narrative(grid(("Goal", "Status", "Achievement", "Due"), goals) if goals else "")
    goal_section = _section(
        "61146-7",
        "Goals",
        goal_text,
        [refs.record("Goal", "goal", g.id) for g in plan.goals],
        empty="nilknown",
    )
    return _section("74449-0", "Plan of care", text, [refs.careplan()], subsections=[goal_section])


def _functional_status(case: Case, refs: Refs) -> Json:
    if not case.assessments:
        text = narrative(paragraph("No assessment has been recorded yet."))
        return _section("54522-8", "Functional status", text, empty="notstarted")
    text = narrative(*(_assessment(a) for a in case.assessments))
    entries = [refs.record("Observation", "assessment", a.id) for a in case.assessments]
    return _section("54522-8", "Functional status", text, entries)


def _assessment(item: Assessment) -> str:
    heading = f"{_label('assessment-kind', item.kind)}, {item.performed_on.isoformat()}"
    status = _label("assessment-status", item.status)
    domains = ", ".join(_label("assessment-domain", d) for d in item.domains)
    findings = [f"{_label('assessment-domain', f.domain)}: {f.text}" for f in item.findings]
    scores = [(s.instrument, _result(s), s.interpretation) for s in item.scores]
    return "".join(
        (
            labelled("Assessment", f"{heading} ({status})"),
            labelled("Domains", domains),
            bullets(findings),
            labelled("Strengths", item.strengths),
            labelled("Self-management", item.self_management),
            labelled("Summary", item.summary),
            grid(("Instrument", "Result", "Interpretation"), scores) if scores else "",
        )
    )


def _result(score: InstrumentScore) -> str:
    if score.score is not None:
        return str(score.score)
    if score.answer is not None:
        return score.answer.display or score.answer.code
    return score.text or ""


def _care_team(case: Case, refs: Refs) -> Json:
    rows = [
        (m.name, _label("care-team-role", m.role), m.organization, m.phone, m.email)
        for m in case.care_team
    ]
    text = narrative(grid(("Name", "Role", "Organization", "Phone", "Email"), rows) if rows else "")
    entries = [refs.care_team()] if case.care_team else []
    return _section("85847-2", "Care team", text, entries, empty="nilknown")


def _not_held(code: str, title: str) -> Json:
    return _section(code, title, narrative(paragraph(_NOT_HELD)), empty="unavailable")

"""The case <-> EpisodeOfCare (the case record itself; its parts live in other resources).

episode-of-care-status has fewer states than the model (``referred`` and ``screening`` are both
``planned``), so the exact case status rides in the ``case-status`` extension.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from adapter.canonical import profile
from adapter.mappings.context import Index, Refs
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
    period,
    required,
)
from adapter.mappings.extensions import (
    CASE_ACUITY,
    CASE_CLOSURE_REASON,
    CASE_MANAGER,
    CASE_STATUS,
    REFERRAL_SOURCE_TYPE,
)
from adapter.mappings.ids import resource_id
from adapter.mappings.resources.episode_links import (
    links_from_fhir,
    links_to_fhir,
    setting_from_fhir,
    setting_to_fhir,
)
from adapter.mappings.terminology import table
from adapter.model.case import Case
from adapter.model.case_link import CaseLink
from adapter.model.codes import CaseStatus, ClosureReason, PracticeSetting, ProgramType

__all__ = ["EpisodeFields", "from_fhir", "to_fhir"]


def to_fhir(case: Case) -> Json:
    """The EpisodeOfCare of a case."""
    refs = Refs.of(case)
    status = table("case-status-fhir").to_fhir(case.status)
    manager = refs.member(case.case_manager_id)
    # careManager allows only Practitioner/PractitionerRole; other members use an extension.
    is_practitioner = manager is not None and manager["reference"].startswith("Practitioner/")
    return compact(
        {
            "resourceType": "EpisodeOfCare",
            "id": resource_id("case", case.id),
            "meta": {"profile": [profile("cm-episode-of-care")]},
            "extension": extensions(
                extension(
                    CASE_STATUS, valueCoding=table("case-status").to_fhir(case.status).coding()
                ),
                _closure(case),
                _acuity(case),
                extension(
                    REFERRAL_SOURCE_TYPE,
                    valueCodeableConcept=codeable_concept(
                        table("referral-source-type").to_fhir(case.referral.source_type).coding()
                    ),
                ),
                None if is_practitioner else extension(CASE_MANAGER, valueReference=manager),
                setting_to_fhir(case),
                *links_to_fhir(case),
            ),
            "identifier": [identifier("case", case.id)],
            "status": status.code,
            "type": [codeable_concept(table("program-type").to_fhir(case.program).coding())],
            "diagnosis": [
                {"condition": refs.record("Condition", "need", need.id), "rank": rank}
                for rank, need in enumerate(case.needs, start=1)
            ],
            "patient": refs.patient(),
            "period": period(fhir_date(case.opened_on), fhir_date(case.closed_on)),
            "referralRequest": [refs.record("ServiceRequest", "referral", case.referral.id)],
            "careManager": manager if is_practitioner else None,
            "team": [refs.care_team()] if case.care_team else [],
        }
    )


def _closure(case: Case) -> Json | None:
    if case.closure_reason is None and case.closure_note is None:
        return None
    codings = []
    if case.closure_reason is not None:
        codings.append(table("case-closure-reason").to_fhir(case.closure_reason).coding())
    concept = codeable_concept(*codings, text=case.closure_note)
    return extension(CASE_CLOSURE_REASON, valueCodeableConcept=concept)


def _acuity(case: Case) -> Json | None:
    # A copy for quick filtering; the RiskAssessment of the screening is the source of truth.
    if case.screening is None:
        return None
    acuity = table("acuity").to_fhir(case.screening.acuity)
    return extension(CASE_ACUITY, valueCodeableConcept=codeable_concept(acuity.coding()))


@dataclass(frozen=True)
class EpisodeFields:
    """What the EpisodeOfCare itself holds of a case (the rest comes from other resources)."""

    id: str
    program: ProgramType
    status: CaseStatus
    opened_on: date
    closed_on: date | None
    closure_reason: ClosureReason | None
    closure_note: str | None
    case_manager_id: str | None
    setting: PracticeSetting | None = None
    related_cases: tuple[CaseLink, ...] = ()


def from_fhir(episode: Mapping[str, Any], *, index: Index) -> EpisodeFields:
    """The case-level fields of an EpisodeOfCare.

    A foreign episode without the ``case-status`` extension takes the table's default for its
    status (``planned`` -> ``screening``, ``waitlist`` -> ``referred``); without a program
    coding of the adapter's CodeSystem the program defaults to ``complex-care`` (warned).
    """
    where = f"EpisodeOfCare/{episode.get('id')}"
    exact = (find_extension(episode, CASE_STATUS) or {}).get("valueCoding", {}).get("code")
    status = table("case-status-fhir").from_fhir(
        str(episode.get("status")), resource=where, element="EpisodeOfCare.status", exact=exact
    )
    programs = table("program-type")
    program = next(
        (c["code"] for t in episode.get("type", []) if (c := find_coding(t, programs.system))),
        None,
    )
    if program is None:
        index.warn(episode, "no program-type coding; program defaults to complex-care")
    span = episode.get("period") or {}
    reason, note = _read_closure(episode, where)
    manager = episode.get("careManager") or (find_extension(episode, CASE_MANAGER) or {}).get(
        "valueReference"
    )
    return EpisodeFields(
        id=identifier_value(episode, "case") or str(episode.get("id")),
        program=ProgramType(
            programs.from_fhir(program, resource=where, element="EpisodeOfCare.type")
            if program
            else ProgramType.COMPLEX_CARE
        ),
        status=CaseStatus(status),
        opened_on=required(
            parse_date(span.get("start"), where="EpisodeOfCare.period.start"),
            resource=where,
            element="EpisodeOfCare.period.start",
        ),
        closed_on=parse_date(span.get("end"), where="EpisodeOfCare.period.end"),
        closure_reason=reason,
        closure_note=note,
        case_manager_id=index.lookup_any(manager, where="EpisodeOfCare.careManager"),
        setting=setting_from_fhir(episode, where),
        related_cases=links_from_fhir(episode, where),
    )


def _read_closure(
    episode: Mapping[str, Any], where: str
) -> tuple[ClosureReason | None, str | None]:
    found = find_extension(episode, CASE_CLOSURE_REASON)
    if found is None:
        return None, None
    concept = found.get("valueCodeableConcept") or {}
    reasons = table("case-closure-reason")
    coding = find_coding(concept, reasons.system)
    reason = None
    if coding is not None:
        code = reasons.from_fhir(
            coding["code"], resource=where, element="extension[case-closure-reason]"
        )
        reason = ClosureReason(code)
    return reason, concept.get("text")

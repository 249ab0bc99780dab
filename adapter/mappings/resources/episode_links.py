"""The practice setting and the links to earlier cases <-> extensions of the EpisodeOfCare.

- ``practice-setting``: valueCodeableConcept of the local CodeSystem ``practice-setting``;
- ``related-case`` (one per link, complex): ``relation`` (valueCoding, CodeSystem
  ``case-link-relation``), ``case`` (valueReference by identifier: the earlier case's business
  identifier, so the link needs no resource id and survives a namespace or a server that
  assigns ids), ``note`` (valueString).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from adapter.canonical import identifier_system
from adapter.errors import MappingError
from adapter.mappings.datatypes import (
    Json,
    codeable_concept,
    compact,
    extension,
    find_coding,
    find_extension,
    identifier,
)
from adapter.mappings.extensions import PRACTICE_SETTING, RELATED_CASE
from adapter.mappings.terminology import table
from adapter.model.case import Case
from adapter.model.case_link import CaseLink
from adapter.model.codes import CaseLinkRelation, PracticeSetting

__all__ = ["links_from_fhir", "links_to_fhir", "setting_from_fhir", "setting_to_fhir"]


def setting_to_fhir(case: Case) -> Json | None:
    if case.setting is None:
        return None
    concept = codeable_concept(table("practice-setting").to_fhir(case.setting).coding())
    return extension(PRACTICE_SETTING, valueCodeableConcept=concept)


def links_to_fhir(case: Case) -> list[Json]:
    return [_link(link) for link in case.related_cases]


def _link(link: CaseLink) -> Json:
    relation = table("case-link-relation").to_fhir(link.relation).coding()
    earlier = {"type": "EpisodeOfCare", "identifier": identifier("case", link.case_id)}
    parts = [
        {"url": "relation", "valueCoding": relation},
        {"url": "case", "valueReference": earlier},
        extension("note", valueString=link.note),
    ]
    return compact({"url": RELATED_CASE, "extension": [p for p in parts if p]})


def setting_from_fhir(episode: Mapping[str, Any], where: str) -> PracticeSetting | None:
    found = find_extension(episode, PRACTICE_SETTING)
    if found is None:
        return None
    settings = table("practice-setting")
    coding = find_coding(found.get("valueCodeableConcept"), settings.system)
    if coding is None:
        raise MappingError(
            "no practice-setting coding", resource=where, element="extension[practice-setting]"
        )
    element = "extension[practice-setting]"
    return PracticeSetting(settings.from_fhir(coding["code"], resource=where, element=element))


def links_from_fhir(episode: Mapping[str, Any], where: str) -> tuple[CaseLink, ...]:
    items: Sequence[Mapping[str, Any]] = episode.get("extension", [])
    return tuple(_read_link(item, where) for item in items if item.get("url") == RELATED_CASE)


def _read_link(item: Mapping[str, Any], where: str) -> CaseLink:
    element = "extension[related-case]"
    parts = {part.get("url"): part for part in item.get("extension", [])}
    relations = table("case-link-relation")
    code = (parts.get("relation") or {}).get("valueCoding", {}).get("code")
    earlier = ((parts.get("case") or {}).get("valueReference") or {}).get("identifier") or {}
    if not code or earlier.get("system") != identifier_system("case") or not earlier.get("value"):
        raise MappingError(
            "a related case needs a relation and a case identifier", resource=where, element=element
        )
    return CaseLink(
        case_id=str(earlier["value"]),
        relation=CaseLinkRelation(relations.from_fhir(code, resource=where, element=element)),
        note=(parts.get("note") or {}).get("valueString"),
    )

"""Builders and readers for the FHIR datatypes every mapping uses.

Everything here works on plain FHIR JSON dicts. Builders drop empty values, so a mapping can
write ``"note": annotations(...)`` without checking for emptiness first, and the output never
carries ``null`` or ``[]`` (both invalid FHIR JSON).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any, TypeVar

from adapter.canonical import identifier_system
from adapter.errors import MappingError
from adapter.mappings.record_kind import record_kind_type

__all__ = [
    "Json",
    "annotation",
    "codeable_concept",
    "coding",
    "compact",
    "extension",
    "extension_values",
    "extensions",
    "fhir_date",
    "fhir_datetime",
    "find_coding",
    "find_extension",
    "identifier",
    "identifier_value",
    "parse_date",
    "parse_datetime",
    "period",
    "reference",
    "reference_id",
    "required",
    "texts",
]

Json = dict[str, Any]
T = TypeVar("T")


def required(value: T | None, *, resource: str, element: str) -> T:
    """``value``, or a MappingError naming the missing element."""
    if value is None:
        raise MappingError("required element is missing", resource=resource, element=element)
    return value


def compact(mapping: Mapping[str, Any]) -> Json:
    """The mapping without ``None``, empty strings, empty lists and empty dicts."""
    # A truthy value is kept without the four comparisons (most are: this runs per element).
    return {
        k: v for k, v in mapping.items() if v or not (v is None or v == "" or v == [] or v == {})
    }


def reference(resource_type: str, resource_id: str, *, display: str | None = None) -> Json:
    """A literal relative reference, ``{"reference": "<Type>/<id>"}``."""
    return compact({"reference": f"{resource_type}/{resource_id}", "display": display})


def reference_id(ref: Mapping[str, Any] | None, resource_type: str, *, where: str) -> str | None:
    """The logical id in a relative or absolute reference to ``resource_type``.

    ``where`` names the element for the error (e.g. ``Task.for``). Contained (``#x``),
    ``urn:uuid:`` and identifier-only references yield the text after the last ``/`` or ``:``,
    which is what a transaction bundle's fullUrl resolves to.
    """
    if ref is None:
        return None
    text = ref.get("reference")
    if not isinstance(text, str) or not text:
        return None
    if text.startswith("urn:uuid:"):
        return text.removeprefix("urn:uuid:")
    parts = text.split("/_history/")[0].rstrip("/").split("/")
    if len(parts) < 2 or parts[-2] != resource_type:
        raise MappingError(
            f"expected a reference to {resource_type}", element=where, code=text.split("/")[0]
        )
    return parts[-1]


def coding(system: str, code: str, display: str | None = None) -> Json:
    """One Coding."""
    return compact({"system": system, "code": code, "display": display})


def codeable_concept(*codings: Json, text: str | None = None) -> Json:
    """A CodeableConcept from codings (in order) and optional text."""
    return compact({"coding": list(codings), "text": text})


def find_coding(concept: Mapping[str, Any] | None, system: str) -> Json | None:
    """The first coding of ``system`` in a CodeableConcept, if any."""
    for item in (concept or {}).get("coding", []):
        if item.get("system") == system:
            return dict(item)
    return None


def identifier(kind: str, value: str) -> Json:
    """The adapter's business identifier for one kind of record; its ``type`` names the kind
    (what the profiles slice on, since the system changes with the namespace)."""
    return {"type": record_kind_type(kind), "system": identifier_system(kind), "value": value}


def identifier_value(resource: Mapping[str, Any], kind: str, *, last: bool = False) -> str | None:
    """The value of the adapter's business identifier of ``kind`` on a resource, if present.

    With ``last`` only the part after the last ``/``: the record's own id without the case id.
    """
    system = identifier_system(kind)
    for item in resource.get("identifier", []):
        if item.get("system") == system and item.get("value"):
            value = str(item["value"])
            return value.rpartition("/")[2] if last else value
    return None


def fhir_datetime(value: datetime | None) -> str | None:
    """A FHIR dateTime/instant; naive datetimes are refused (FHIR wants a zone with a time)."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise MappingError("datetime without a time zone", code=value.isoformat())
    return value.isoformat()


def fhir_date(value: date | None) -> str | None:
    """A FHIR date."""
    return None if value is None else value.isoformat()


def parse_datetime(text: str | None, *, where: str) -> datetime | None:
    """A FHIR dateTime as an aware datetime; a bare date becomes midnight UTC."""
    if text is None:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise MappingError("not a FHIR dateTime", element=where, code=text) from exc
    if parsed.tzinfo is None:
        raise MappingError("dateTime without a time zone", element=where, code=text)
    return parsed


def parse_date(text: str | None, *, where: str) -> date | None:
    """A FHIR date (or the date part of a dateTime)."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError as exc:
        raise MappingError("not a FHIR date", element=where, code=text) from exc


def period(start: str | None, end: str | None) -> Json | None:
    """A Period from already formatted dates/dateTimes, or None when both ends are open."""
    return compact({"start": start, "end": end}) or None


def annotation(text: str, *, time: str | None = None, author: Json | None = None) -> Json:
    """An Annotation; ``author`` is a Reference (authorReference)."""
    return compact({"authorReference": author, "time": time, "text": text})


def extension(url: str, **value: Any) -> Json | None:
    """An extension with one ``value[x]`` (e.g. ``valueCode="x"``), or None when it is empty."""
    ((key, item),) = value.items()
    if item is None or item == {} or item == []:
        return None
    return {"url": url, key: item}


def find_extension(element: Mapping[str, Any], url: str) -> Json | None:
    """The first extension with ``url`` on an element, if any."""
    for item in element.get("extension", []):
        if item.get("url") == url:
            return dict(item)
    return None


def extension_values(element: Mapping[str, Any], url: str, key: str) -> list[Any]:
    """Every ``key`` value (e.g. ``valueReference``) of the extensions with ``url``."""
    return [item[key] for item in element.get("extension", []) if item.get("url") == url]


def extensions(*items: Json | None) -> list[Json]:
    """The non-empty extensions, in order (for ``"extension": extensions(...)``)."""
    return [item for item in items if item]


def texts(items: Iterable[Mapping[str, Any]]) -> list[str]:
    """The ``text`` of each Annotation."""
    return [str(item["text"]) for item in items if item.get("text")]

"""Reading what other systems wrote: documented defaults, and rules that only warn.

:func:`read_foreign_case` maps one case's resources (one EpisodeOfCare, real or derived from a
CarePlan by :func:`episode_from_plan`) the way ``adapter import`` needs it:

- FHIR-optional elements the case record needs get the defaults listed in docs/import.md
  (``EpisodeOfCare.period.start``, a referral, ``Task.authoredOn``, the Patient's name and
  birth date (:mod:`.foreign_patient`) ...), each with a warning;
- the CMSA process rules of the model are warnings (:func:`rules_as_warnings`);
- a resource that cannot be mapped (an unknown code, a date that is no date) is left out with
  a warning naming it and the element; only an unreadable EpisodeOfCare or Patient refuses
  the case.

Pure: no I/O. Warnings name resource type, id and element, never values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from adapter.errors import MappingError
from adapter.mappings.bundle import bundle_to_case
from adapter.mappings.foreign_patient import with_patient_defaults
from adapter.mappings.identifiers import own_identifier
from adapter.model.base import rules_as_warnings
from adapter.model.case import Case

__all__ = ["ForeignCase", "case_identifier", "episode_from_plan", "read_foreign_case"]

Resource = Mapping[str, Any]

_ID: Final = re.compile(r"^[A-Za-z0-9.-]{1,64}$")
_REQUIRED_PARTS: Final = frozenset({"EpisodeOfCare", "Patient"})
#: CarePlan.status -> EpisodeOfCare.status of a case derived from a plan without an episode.
_PLAN_TO_EPISODE: Final = {
    "draft": "planned",
    "active": "active",
    "on-hold": "onhold",
    "completed": "finished",
    "revoked": "cancelled",
}


@dataclass(frozen=True, slots=True)
class ForeignCase:
    case: Case
    warnings: tuple[str, ...]
    left_out: tuple[str, ...]
    """``Type/id`` of the resources that could not be mapped (their reason is a warning)."""


def case_identifier(resource: Resource) -> tuple[str | None, str]:
    """(identifier system, case id) of a foreign episode or plan: its first identifier whose
    value is a valid case id, else (None, its FHIR id)."""
    for item in resource.get("identifier") or []:
        value = item.get("value") if isinstance(item, Mapping) else None
        if isinstance(value, str) and _ID.match(value):
            system = item.get("system")
            return (system if isinstance(system, str) else None), value
    return None, str(resource.get("id"))


def episode_from_plan(careplan: Resource) -> dict[str, Any]:
    """The EpisodeOfCare a CarePlan without one stands for (never written anywhere): same id,
    identifiers and patient, status from the plan's, period from the plan's."""
    span = careplan.get("period") or {}
    start = span.get("start") or careplan.get("created")
    episode: dict[str, Any] = {
        "resourceType": "EpisodeOfCare",
        "id": careplan.get("id"),
        "status": _PLAN_TO_EPISODE.get(str(careplan.get("status")), "planned"),
        "patient": careplan.get("subject"),
    }
    if careplan.get("identifier"):
        episode["identifier"] = careplan["identifier"]
    updated = (careplan.get("meta") or {}).get("lastUpdated")
    if updated:
        episode["meta"] = {"lastUpdated": updated}
    if start or span.get("end"):
        episode["period"] = {k: v for k, v in (("start", start), ("end", span.get("end"))) if v}
    return episode


def read_foreign_case(
    resources: Sequence[Resource], *, namespace: str | None = None
) -> ForeignCase:
    """The case held by one case's resources, read as foreign data (see the module doc).

    Raises MappingError only when the EpisodeOfCare or the Patient cannot be read.
    """
    dropped: list[str] = []
    left_out: list[str] = []
    remaining = list(resources)
    while True:
        warnings: list[str] = []
        current = _with_defaults(remaining, warnings)
        mapped: list[str] = []
        try:
            with rules_as_warnings() as broken:
                case = bundle_to_case(current, warnings=mapped, namespace=namespace)
        except MappingError as exc:
            culprit = _culprit(exc, current)
            if culprit is None:
                raise
            key = f"{culprit.get('resourceType')}/{culprit.get('id')}"
            _note(dropped, culprit, f"not imported: {_reason(exc)}")
            left_out.append(key)
            remaining = [_strip(r, key) for r in remaining if _key(r) != key]
            continue
        episode = next(r for r in current if r.get("resourceType") == "EpisodeOfCare")
        if own_identifier(episode) is None:
            case = case.model_copy(update={"id": case_identifier(episode)[1]})
        return ForeignCase(case, (*warnings, *dropped, *mapped, *broken), tuple(left_out))


def _key(resource: Resource) -> str:
    return f"{resource.get('resourceType')}/{resource.get('id')}"


def _strip(value: Any, key: str) -> Any:
    """``value`` without list items that are (or hold) a reference to ``key``."""
    if isinstance(value, Mapping):
        return {k: _strip(v, key) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip(item, key) for item in value if not _points_at(item, key)]
    return value


def _points_at(item: Any, key: str) -> bool:
    if not isinstance(item, Mapping):
        return False
    if item.get("reference") == key:
        return True
    return any(isinstance(v, Mapping) and v.get("reference") == key for v in item.values())


def _note(sink: list[str], resource: Resource, message: str) -> None:
    """A warning about a resource (type and id, never content); the summary shows it."""
    sink.append(f"{resource.get('resourceType')}/{resource.get('id')}: {message}")


def _reason(exc: MappingError) -> str:
    text = str(exc)
    return text.split(": ", 1)[1] if exc.resource and ": " in text else text


def _culprit(exc: MappingError, resources: Sequence[Resource]) -> Resource | None:
    """The one resource a mapping error is about, if it may be left out alone."""
    named = exc.resource or ""
    kind = named.split("/", 1)[0] if named else (exc.element or "").split(".", 1)[0]
    if not kind or kind in _REQUIRED_PARTS:
        return None
    found = [r for r in resources if r.get("resourceType") == kind]
    if named:
        found = [r for r in found if f"{kind}/{r.get('id')}" == named]
    return found[0] if len(found) == 1 else None


def _with_defaults(resources: Sequence[Resource], warnings: list[str]) -> list[dict[str, Any]]:
    """Copies of the resources with the documented defaults filled in (docs/import.md)."""
    out = [dict(r) for r in resources]
    for n, resource in enumerate(out):
        if resource.get("resourceType") == "Patient":
            out[n], notes = with_patient_defaults(resource)
            for note in notes:
                _note(warnings, resource, note)
    episode = next((r for r in out if r.get("resourceType") == "EpisodeOfCare"), None)
    if episode is None:
        return out
    plans = [r for r in out if r.get("resourceType") == "CarePlan"]
    for extra in plans[1:]:
        _note(warnings, extra, f"not imported: the case's plan is CarePlan/{plans[0].get('id')}")
        out.remove(extra)
    opened = _opened_on(episode, out, warnings)
    if not episode.get("referralRequest"):
        out.append(_default_referral(episode, opened))
        episode["referralRequest"] = [{"reference": f"ServiceRequest/{out[-1]['id']}"}]
        _note(warnings, episode, "referralRequest missing; a referral 'not recorded' is assumed")
    for resource in out:
        _fill(resource, opened, warnings)
    if plans:
        _adopt_goals(plans[0], out, warnings)
    return out


def _opened_on(episode: dict[str, Any], resources: Sequence[Resource], warnings: list[str]) -> str:
    span = dict(episode.get("period") or {})
    if span.get("start"):
        return str(span["start"])[:10]
    candidates = [
        (str(r.get(element))[:10], f"{r.get('resourceType')}.{element}")
        for r in resources
        for element in ("authoredOn", "created")
        if r.get("resourceType") in ("ServiceRequest", "CarePlan") and r.get(element)
    ]
    candidates += [
        (str(r["period"]["start"])[:10], "CarePlan.period.start")
        for r in resources
        if r.get("resourceType") == "CarePlan" and (r.get("period") or {}).get("start")
    ]
    updated = (episode.get("meta") or {}).get("lastUpdated")
    if updated:
        candidates.append((str(updated)[:10], "meta.lastUpdated"))
    start, source = min(candidates) if candidates else ("1970-01-01", "no date at all")
    span["start"] = start
    episode["period"] = span
    _note(warnings, episode, f"period.start missing; opened_on defaults to {source}")
    return start


def _default_referral(episode: Resource, opened: str) -> dict[str, Any]:
    return {
        "resourceType": "ServiceRequest",
        "id": f"{episode.get('id')}-referral"[:64],
        "status": "unknown",
        "intent": "order",
        "subject": episode.get("patient"),
        "authoredOn": opened,
        "reasonCode": [{"text": "not recorded by the source system"}],
    }


#: Resource type -> (element, how to read it, another element that serves as well), filled
#: from meta.lastUpdated or the case's start when all are missing.
_DATED: Final = {
    "Task": ("authoredOn", "datetime", None),
    "ServiceRequest": ("authoredOn", "date", None),
    "Consent": ("dateTime", "date", None),
    "CarePlan": ("created", "date", "period"),
    "Condition": ("recordedDate", "date", "onsetDateTime"),
}


def _fill(resource: dict[str, Any], opened: str, warnings: list[str]) -> None:
    kind = str(resource.get("resourceType"))
    if kind not in _DATED:
        return
    element, how, alternative = _DATED[kind]
    other = resource.get(alternative) if alternative else None
    if resource.get(element) or (other.get("start") if isinstance(other, Mapping) else other):
        return
    updated = (resource.get("meta") or {}).get("lastUpdated")
    value, source = (str(updated), "meta.lastUpdated") if updated else (opened, "the case's start")
    if how == "datetime" and len(value) == 10:
        value += "T00:00:00+00:00"
    resource[element] = value if how == "datetime" else value[:10]
    _note(warnings, resource, f"{element} missing; defaults to {source}")


def _adopt_goals(plan: dict[str, Any], resources: Sequence[Resource], warnings: list[str]) -> None:
    """Goals of the case the plan does not list (linked by subject only) join the plan."""
    listed = {str((g or {}).get("reference")) for g in plan.get("goal") or []}
    for goal in resources:
        key = f"Goal/{goal.get('id')}"
        if goal.get("resourceType") == "Goal" and key not in listed:
            plan["goal"] = [*(plan.get("goal") or []), {"reference": key}]
            _note(warnings, goal, f"not listed in CarePlan/{plan.get('id')}.goal; joins its plan")

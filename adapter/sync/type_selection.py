"""Per-server resource selection: the resource types written to (and read back from) a server.

A server may not support a type the mapping produces (Provenance, say), or reject it for a
reason of its own. A case then lands without its *optional* supporting resources instead of
being dead-lettered and re-sent on every run. Which types are left out, per server:

- ``ADAPTER_RESOURCE_TYPES`` (a comma list): only these types are written; else
- the server profile (``adapter ping``): types its CapabilityStatement declares no ``update``
  for; and, always,
- types the server refused with an OperationOutcome issue ``not-supported`` during a push:
  remembered in the ledger per server (``refused-types|<base URL>``, see
  :mod:`adapter.sync.push.selection`) and left out from then on.

``EpisodeOfCare`` (the case) and ``Patient`` (whom it is about) are required: never left out.
Everything else is optional supporting detail. References to a left-out resource are removed
from the rest: the list item holding the reference goes (``Goal.addresses[i]``,
``EpisodeOfCare.diagnosis[i]``, an extension), or the element when it is not in a list
(``Task.focus``); what became empty goes too. A resource that loses everything it is about
(a ``Provenance`` without ``target`` or ``agent``) is left out as well.

Push shapes what it writes with :meth:`Selection.apply`; pull shapes what it compares the
server's resources with the same way, so an element the selection removed is never taken for
a change made on the server. :func:`left_out_reasons` says why each type is left out (``ping``).

With ``ADAPTER_REFERRAL_TASK_SERVER`` the referral Tasks (``fulfill``) go to the performer's
server instead (``Selection.referrals_elsewhere``, its URL): left out here the same way,
references to them (``CarePlan.activity``, ``Communication.about``) removed, so the case's
server never holds a reference it cannot resolve.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final, Protocol

from adapter.errors import ConfigError
from adapter.mappings.context import RESOURCE_TYPES
from adapter.mappings.resources.gravity import TASK_CODE
from adapter.sync.resources import reference_values

__all__ = [
    "REFUSED_KEY_PREFIX",
    "REQUIRED_TYPES",
    "WRITTEN_TYPES",
    "Selection",
    "is_referral_task",
    "learned_refusals",
    "left_out_reasons",
    "parse_types",
    "selection_for",
]

REQUIRED_TYPES: Final = frozenset({"EpisodeOfCare", "Patient"})
WRITTEN_TYPES: Final = frozenset(RESOURCE_TYPES)
"""Every type the mapping writes."""
REFUSED_KEY_PREFIX: Final = "refused-types|"
# Elements without which a resource says nothing: it is left out when it loses them all.
_ABOUT: Final[Mapping[str, tuple[str, ...]]] = {"Provenance": ("target", "agent")}
_GONE: Final = object()

Json = dict[str, Any]


class _Settings(Protocol):
    def get_setting(self, key: str) -> str | None: ...


def parse_types(text: str | None) -> frozenset[str] | None:
    """``ADAPTER_RESOURCE_TYPES`` as a set (None: not set); ConfigError naming an unknown type
    or a required one left out."""
    if text is None or not text.strip():
        return None
    named = frozenset(part.strip() for part in text.split(",") if part.strip())
    unknown = sorted(named - WRITTEN_TYPES)
    if unknown:
        raise ConfigError(
            f"ADAPTER_RESOURCE_TYPES: {', '.join(unknown)} is not a type the adapter writes "
            f"(one of {', '.join(sorted(WRITTEN_TYPES))})"
        )
    missing = sorted(REQUIRED_TYPES - named)
    if missing:
        raise ConfigError(
            f"ADAPTER_RESOURCE_TYPES: {', '.join(missing)} is required for a case and cannot be "
            "left out"
        )
    return named


@dataclass(frozen=True)
class Selection:
    """The optional types not written to one server (empty: everything is written), and
    whether the referral Tasks go to another server (``ADAPTER_REFERRAL_TASK_SERVER``: the
    performer's; :mod:`adapter.sync.referrals.task_server` writes them there)."""

    left_out: frozenset[str] = frozenset()
    referrals_elsewhere: str | None = None  # the Task server's base URL

    @classmethod
    def of(cls, allowed: Iterable[str] | None, refused: Iterable[str] = ()) -> Selection:
        """From the types allowed (None: all) and those the server refused."""
        kept = WRITTEN_TYPES if allowed is None else frozenset(allowed)
        return cls(((WRITTEN_TYPES - kept) | frozenset(refused)) - REQUIRED_TYPES)

    @property
    def shapes(self) -> bool:
        """Whether a case's resources for this server differ from its whole mapping."""
        return bool(self.left_out) or self.referrals_elsewhere is not None

    def fingerprint(self, mapping: str) -> str:
        """``mapping`` (the mapping fingerprint) as it holds under this selection."""
        if not self.shapes:
            return mapping
        seed = f"{mapping}|without:{','.join(sorted(self.left_out))}"
        seed += f"|referral-tasks:{self.referrals_elsewhere}" if self.referrals_elsewhere else ""
        return hashlib.sha256(seed.encode()).hexdigest()[:32]

    def apply(self, resources: Sequence[Json]) -> tuple[list[Json], Counter[str]]:
        """The resources to write, references to left-out ones removed; and per type how many
        were left out (the referral Tasks written elsewhere are not counted)."""
        if not self.shapes:
            return list(resources), Counter()
        away = self.referrals_elsewhere is not None
        elsewhere = {_ref(r) for r in resources if away and is_referral_task(r)}
        kept = [
            r
            for r in resources
            if r.get("resourceType") not in self.left_out and _ref(r) not in elsewhere
        ]
        while True:
            gone = {_ref(r) for r in resources} - {_ref(r) for r in kept}
            trimmed = [_without(r, gone) for r in kept]
            still = [r for r in trimmed if not _lost_its_subject(r)]
            if len(still) == len(kept):
                break
            kept = [r for r in kept if _ref(r) in {_ref(s) for s in still}]
        left = Counter(r["resourceType"] for r in resources if _ref(r) in gone - elsewhere)
        return still, left

    def without(self, kinds: Iterable[str]) -> Selection:
        """This selection with ``kinds`` left out too."""
        return replace(self, left_out=self.left_out | frozenset(kinds))


def is_referral_task(resource: Mapping[str, Any]) -> bool:
    """A referral Task (Gravity): ``Task.code`` carries task-code ``fulfill``."""
    if resource.get("resourceType") != "Task":
        return False
    codings = (resource.get("code") or {}).get("coding") or []
    return any(c.get("system") == TASK_CODE and c.get("code") == "fulfill" for c in codings)


def learned_refusals(ledger: _Settings, server: str) -> frozenset[str]:
    """The types ``server`` refused as not supported in earlier pushes."""
    text = ledger.get_setting(REFUSED_KEY_PREFIX + server)
    try:
        return frozenset(json.loads(text)) if text else frozenset()
    except (ValueError, TypeError):
        return frozenset()


def _ref(resource: Mapping[str, Any]) -> str:
    return f"{resource.get('resourceType')}/{resource.get('id')}"


def _without(resource: Json, gone: set[str]) -> Json:
    if not gone or not gone.intersection(reference_values(resource)):
        return resource
    out: Json = {}
    for key, value in resource.items():
        kept = _prune(value, gone)
        if kept is not _GONE and kept not in ({}, []):
            out[key] = kept
    return out


def _prune(node: Any, gone: set[str]) -> Any:
    """``node`` without references to ``gone``: a list drops the item holding one; anything
    else holding one is itself gone (up to the nearest list, or the resource's element)."""
    if isinstance(node, dict):
        reference = node.get("reference")  # CarePlan.activity.reference is a Reference
        if isinstance(reference, str) and reference in gone:
            return _GONE
        out = {}
        for key, value in node.items():
            kept = _prune(value, gone)
            if kept is _GONE:
                return _GONE
            if kept not in ({}, []):
                out[key] = kept
        return out
    if isinstance(node, list):  # an item emptied is gone too (a server drops it: hashes differ)
        return [kept for item in node if (kept := _prune(item, gone)) not in (_GONE, {}, [])]
    return node


def _lost_its_subject(resource: Mapping[str, Any]) -> bool:
    needed = _ABOUT.get(str(resource.get("resourceType")), ())
    return bool(needed) and not all(resource.get(name) for name in needed)


def selection_for(allowed: Iterable[str] | None, ledger: _Settings, server: str) -> Selection:
    """The selection of a push to ``server``: ``allowed`` (the client's ``resource_types``,
    checked: ConfigError naming an unknown or missing required type) and what the ledger
    remembers the server refused."""
    named = parse_types(",".join(allowed)) if allowed is not None else None
    return Selection.of(named, learned_refusals(ledger, server))


def left_out_reasons(
    named: Iterable[str] | None, writable: Iterable[str], refused: Iterable[str]
) -> dict[str, str]:
    """Why each optional type is left out on a server: ``ADAPTER_RESOURCE_TYPES`` (``named``,
    None when not set) does not list it, or else the server declares no ``update`` for it
    (``writable``: the profile's types; empty when the server lists none, then nothing is
    concluded from it); and, either way, the server refused it as not supported (``refused``,
    remembered in the ledger). Empty: every type is written."""
    why: dict[str, str] = {}
    if named is not None:
        for kind in WRITTEN_TYPES - frozenset(named) - REQUIRED_TYPES:
            why[kind] = "not in ADAPTER_RESOURCE_TYPES"
    elif writable := frozenset(writable):
        for kind in WRITTEN_TYPES - writable - REQUIRED_TYPES:
            why[kind] = "not updatable here"
    for kind in frozenset(refused) - REQUIRED_TYPES:
        why.setdefault(kind, "refused earlier as not supported")
    return dict(sorted(why.items()))

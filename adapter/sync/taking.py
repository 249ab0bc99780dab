"""Taking elements a server holds into a stored case, the way both directions need it.

A pull takes the performer-owned elements of a changed resource; a push that merged the
server's version with ours (a provider completed a task while the case manager reworded it)
takes the same elements of the merged resource it wrote. Either way the case is mapped, the
elements are copied onto our resource, the resources are mapped back into a case, and the
model's transition tables judge the result (a status several legal steps ahead is fine).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from adapter.errors import AdapterError
from adapter.mappings.bundle import bundle_to_case, case_to_resources
from adapter.model.case import Case
from adapter.sync.case_changes import FieldChange, case_changes, first_problem
from adapter.sync.ledger.records import ResourceKey
from adapter.sync.ownership import REQUESTER_TASK_STATUSES, performer_owned

__all__ = ["Refused", "Taken", "server_elements", "take_performer_elements", "with_paths"]

Resource = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Refused:
    """Elements of one resource that could not be taken (``reason`` names fields and codes)."""

    resource: ResourceKey
    paths: tuple[str, ...]
    reason: str


@dataclass
class Taken:
    """The case with the server's elements in it, what that changed (performer-owned elements
    live in tasks and goals, which :func:`case_changes` covers whole), and what was refused."""

    after: Case
    changes: list[FieldChange] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    steps: list[tuple[ResourceKey, Case, Case]] = field(default_factory=list)
    """Each resource taken in, with the case before and after it (for the change feed)."""


def take_performer_elements(
    case: Case,
    server: Mapping[ResourceKey, tuple[Resource, Sequence[str]]],
    *,
    namespace: str | None,
    overruled: Collection[ResourceKey] = (),
) -> Taken:
    """``case`` with, for each resource key, the performer-owned ones among the given element
    paths copied from the given body (what the server now holds). A resource whose elements
    would make the case invalid, or move a status where the tables cannot reach, is refused
    and the others are still taken. ``overruled``: Tasks whose status the value rule gave to
    the performer over the case manager's own later move (a completion that came before the
    cancel, :func:`adapter.sync.ownership.both_changed`): their status is taken whatever the
    case's tables say of the step from the overruled value."""
    mapped = case_to_resources(case, namespace=namespace)
    resources = {ResourceKey(r["resourceType"], r["id"]): r for r in mapped}
    taken = Taken(case)
    for key, (body, paths) in sorted(server.items()):
        ours = resources.get(key)
        owned = tuple(p for p in dict.fromkeys(paths) if p in performer_owned(key[0]))
        if ours is None or not owned:
            continue
        merged = with_paths(ours, body, owned)
        if merged == ours:
            continue
        candidate = {**resources, key: merged}
        try:
            after = bundle_to_case(list(candidate.values()), namespace=namespace)
        except AdapterError as exc:
            taken.refused.append(Refused(key, owned, str(exc)))
            continue
        cancel_lost = key in overruled and ours.get("status") in REQUESTER_TASK_STATUSES
        problem = None if cancel_lost else first_problem(taken.after, after)
        if problem is not None:
            taken.refused.append(Refused(key, owned, problem))
            continue
        taken.steps.append((key, taken.after, after))
        taken.after, resources = after, candidate
    taken.changes = case_changes(case, taken.after)
    return taken


def with_paths(ours: Resource, theirs: Resource, paths: Sequence[str]) -> dict[str, Any]:
    """``ours`` with the elements at ``paths`` (``a`` or ``a.b``) as ``theirs`` has them."""
    body = dict(ours)
    for path in paths:
        head, _, child = path.partition(".")
        if not child:
            _set(body, head, theirs.get(head))
            continue
        inner = dict(body.get(head) or {})
        _set(inner, child, (theirs.get(head) or {}).get(child))
        _set(body, head, inner or None)
    return body


def _set(target: dict[str, Any], key: str, value: Any) -> None:
    if value is None:
        target.pop(key, None)
    else:
        target[key] = value


def server_elements(resource: Resource | None, paths: Sequence[str]) -> dict[str, Any]:
    """The top-level elements of ``resource`` that ``paths`` (``a`` or ``a.b``) touch, as the
    server holds them: what a conflict keeps so that a person may later take the server's side
    (:func:`with_paths` applies them)."""
    heads = dict.fromkeys(path.partition(".")[0] for path in paths)
    return {head: resource[head] for head in heads if resource and head in resource}

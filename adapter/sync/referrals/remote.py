"""Referral Tasks on the performer's server (Gravity: "if the Task is posted to the service
delivery system and the ServiceRequest is on a different system, the reference should be
absolute"), the pure parts.

- :func:`split_referrals`: a case's resources for its own server without the referral Tasks
  (``code`` ``fulfill``), references to them dropped (``CarePlan.activity``,
  ``Communication.about``: the case's server cannot resolve them); and the referral Tasks.
- :func:`absolute`: a Task's references made absolute URLs on the case's server (``focus``,
  ``for``, ``requester``, ``owner``, ``basedOn``, the episode and goal extensions).
- :func:`merged`: our Task onto the performer's copy, Task.status owned per value
  (:mod:`adapter.sync.ownership`): the performer's progress is never written over.
- :func:`answer_problem`: what a server's answer to a write does not show of what was sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from adapter.sync.idmap import rewrite_references
from adapter.sync.ownership import both_changed, performer_owned
from adapter.sync.resources import reference_key, reference_values
from adapter.sync.type_selection import Selection
from adapter.sync.type_selection import is_referral_task as is_fulfill

__all__ = ["absolute", "answer_problem", "is_fulfill", "merged", "split_referrals"]

Json = dict[str, Any]
#: The elements of a referral Task whose references the answer must show as sent.
CHECKED = ("focus", "for", "requester", "owner", "basedOn")


def split_referrals(resources: Sequence[Json]) -> tuple[list[Json], list[Json]]:
    """(the resources for the case's server, the referral Tasks for the performer's)."""
    here, _ = Selection(referrals_elsewhere="elsewhere").apply(resources)
    return here, [r for r in resources if is_fulfill(r)]


def absolute(resource: Mapping[str, Any], base: str) -> Json:
    """Every relative reference (``Type/id``) of ``resource`` as an absolute URL on ``base``."""
    root = base.rstrip("/")

    def outward(text: str) -> str | None:
        if "://" in text or reference_key(text) is None:
            return None  # absolute already, contained or a urn
        return f"{root}/{text}"

    result: Json = rewrite_references(resource, outward)
    return result


def merged(ours: Json, theirs: Mapping[str, Any], last_status: str | None) -> Json | None:
    """Our Task put onto the performer's copy (``theirs``); None when the status is nobody's to
    settle (a requester value on the server against a performer value of ours).

    The performer's status stands unless the case manager changed ours since the status the
    ledger last confirmed (``last_status``) and wins by Gravity's rule (a cancel before the
    performer finished: :func:`adapter.sync.ownership.both_changed`); the other elements the
    performer owns (statusReason, output ...) go with the winning status."""
    mine, server = ours.get("status"), theirs.get("status")
    winner = "ours"
    if server != mine:
        changed_here = mine != last_status
        winner = both_changed("Task", "status", mine, server) if changed_here else "theirs"
    if winner == "conflict":
        return None
    if winner == "ours":
        return dict(ours)
    body = {k: v for k, v in ours.items() if k not in performer_owned("Task")}
    for path in performer_owned("Task"):
        if "." not in path and path in theirs:
            body[path] = theirs[path]
    period = (theirs.get("executionPeriod") or {}).get("end")
    if period is not None:
        body["executionPeriod"] = {**(ours.get("executionPeriod") or {}), "end": period}
    return body


def answer_problem(sent: Mapping[str, Any], answer: Mapping[str, Any] | None) -> str | None:
    """Why ``answer`` (the server's representation) does not confirm ``sent``; None if it does."""
    if not answer or answer.get("resourceType") != "Task":
        return "the server's answer holds no Task"
    if answer.get("status") != sent.get("status"):
        return f"the answer says status {answer.get('status')!r}, not {sent.get('status')!r}"
    for element in CHECKED:
        if reference_values(sent.get(element)) != reference_values(answer.get(element)):
            return f"the answer's Task.{element} is not the reference sent"
    if not is_fulfill(answer):
        return "the answer's Task.code lacks fulfill"
    return None

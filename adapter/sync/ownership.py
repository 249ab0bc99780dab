"""Who owns which part of a resource: the performer side (the EHR, the provider doing the work)
or case management (us). Kept as data; push's merge and pull both read it.

Paths are element names of the resource, or ``element.child`` for one child of a complex
element. Everything not listed belongs to case management: plan content, goals, targets,
descriptions, references.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Literal

__all__ = [
    "PERFORMER_OWNED",
    "PERFORMER_TASK_STATUSES",
    "REQUESTER_TASK_STATUSES",
    "both_changed",
    "owner_of",
    "performer_may_set",
    "performer_owned",
]

PERFORMER = "performer"
CASE_MANAGEMENT = "case-management"

PERFORMER_OWNED: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        # The performer reports progress on the work; the case manager orders it.
        "Task": frozenset(
            {"status", "statusReason", "businessStatus", "output", "executionPeriod.end"}
        ),
        # A provider may report how far a goal is reached, and when; setting, changing,
        # completing or cancelling the goal itself (lifecycleStatus, target) stays with the
        # case manager.
        "Goal": frozenset({"achievementStatus", "statusDate"}),
    }
)


def performer_owned(resource_type: str) -> frozenset[str]:
    """The element paths of ``resource_type`` the performer side owns (the server wins)."""
    return PERFORMER_OWNED.get(resource_type, frozenset())


def owner_of(resource_type: str, path: str) -> str:
    """``performer`` or ``case-management`` for one element path."""
    return PERFORMER if path in performer_owned(resource_type) else CASE_MANAGEMENT


# Task.status is owned per VALUE, not per element (Gravity SDOH Clinical Care, referral Task):
# the requester (the case manager, who orders every Task the adapter writes) sets draft,
# requested, cancelled and entered-in-error; the performer (the Task's owner) sets the rest.
REQUESTER_TASK_STATUSES = frozenset({"draft", "requested", "cancelled", "entered-in-error"})
PERFORMER_TASK_STATUSES = frozenset(
    {"received", "accepted", "rejected", "ready", "in-progress", "on-hold", "completed", "failed"}
)
_PERFORMER_ENDED = frozenset({"rejected", "completed", "failed"})

Winner = Literal["ours", "theirs", "conflict"]


def performer_may_set(resource_type: str, path: str, value: Any) -> bool:
    """Whether the performer side may put ``value`` at a path it owns: any value, except for
    ``Task.status``, where only the performer's values are its to set."""
    if (resource_type, path) == ("Task", "status"):
        return value in PERFORMER_TASK_STATUSES
    return path in performer_owned(resource_type)


def both_changed(resource_type: str, path: str, ours: Any, theirs: Any) -> Winner:
    """Who wins a performer-owned path both sides changed to different values.

    Any path but ``Task.status``: the server (the performer). ``Task.status`` by the values:
    a performer's ending (rejected, completed, failed) stands, since it came first and a
    cancel cannot undo finished work; otherwise the case manager's requester value (a cancel)
    wins over the performer's progress; a performer value on the server wins over ours; a
    requester value on the server against a performer value of ours is nobody's to settle.
    """
    if (resource_type, path) != ("Task", "status"):
        return "theirs"
    if theirs in _PERFORMER_ENDED:
        return "theirs"
    if ours in REQUESTER_TASK_STATUSES:
        return "ours"
    if theirs in PERFORMER_TASK_STATUSES:
        return "theirs"
    return "conflict"

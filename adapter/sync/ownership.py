"""Who owns which part of a resource: the performer side (the EHR, the provider doing the work)
or case management (us). Kept as data; push's merge and pull both read it.

Paths are element names of the resource, or ``element.child`` for one child of a complex
element. Everything not listed belongs to case management: plan content, goals, targets,
descriptions, references.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["PERFORMER_OWNED", "owner_of", "performer_owned"]

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

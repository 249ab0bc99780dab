"""Splitting one case's send into transactions of at most N entries, for servers with a cap.

Referenced resources go first: the send is cut along :func:`~adapter.sync.push.planner.units`
(groups that reference each other), whole groups packed in order. A group larger than the cap
is a reference cycle (CarePlan.activity -> Task -> basedOn CarePlan, for each of 200 tasks): it
is broken at its hub, the member that references most others in it. The hub goes first without
its references to the members not on the server yet (a stub), the members follow (the hub now
exists), and the hub goes again, whole, last. The ledger keeps the last landed version; if the
whole hub does not land, the stub's hash is what the ledger holds, so the next push sends it
again. Each part is one atomic transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from adapter.sync.ledger.records import ResourceKey
from adapter.sync.push.planner import Planned, units
from adapter.sync.resources import reference_values

__all__ = ["parts"]


def parts(planned: Sequence[Planned], limit: int | None) -> list[list[Planned]]:
    """``planned`` as transactions of at most ``limit`` entries, dependencies first (one part
    when there is no limit or everything fits). Only a single resource may exceed nothing:
    every part holds at most ``limit`` entries when ``limit`` >= 2."""
    if limit is None or len(planned) <= limit:
        return [list(planned)]
    present = {p.key for p in planned if p.if_match is not None}
    out: list[list[Planned]] = []
    current: list[Planned] = []
    for piece in _pieces(planned, present, limit):
        if current and len(current) + len(piece) > limit:
            out.append(current)
            current = []
        current += piece
    return [*out, current] if current else out


def _pieces(
    planned: Sequence[Planned], present: set[ResourceKey], limit: int
) -> list[list[Planned]]:
    pieces: list[list[Planned]] = []
    for group in units(planned, present):
        if len(group) <= limit or limit < 2:
            pieces.append(group)
            continue
        hub, members = _hub(group)
        missing = {f"{p.key[0]}/{p.key[1]}" for p in members if p.key not in present}
        stub = hub.with_body(_without(hub.body, missing), hub.if_match)
        pieces.append([stub])
        pieces += _pieces(members, present | {hub.key}, limit)
        # the stub consumed the known version: the whole hub follows without If-Match
        pieces.append([hub.with_body(hub.body, None)])
    return pieces


def _hub(group: list[Planned]) -> tuple[Planned, list[Planned]]:
    keys = {f"{p.key[0]}/{p.key[1]}" for p in group}
    hub = max(group, key=lambda p: len(keys.intersection(reference_values(p.body))))
    return hub, [p for p in group if p is not hub]


def _without(node: Any, refs: Collection[str]) -> Any:
    """``node`` without the References to ``refs``, and without what became empty."""
    if isinstance(node, dict):
        reference = node.get("reference")
        if isinstance(reference, str) and reference in refs:
            return None
        out = {}
        for key, value in node.items():
            kept = _without(value, refs)
            if kept is not None and kept != {} and kept != []:
                out[key] = kept
        return out
    if isinstance(node, list):
        return [kept for item in node if (kept := _without(item, refs)) not in (None, {}, [])]
    return node

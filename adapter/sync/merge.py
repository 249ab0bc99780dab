"""Three-way merge of one resource by field ownership, when both sides changed it.

``ours`` is the resource mapped from the case now, ``ours_base`` the same resource mapped from
the case as last pushed; ``theirs`` is the server's current version, ``theirs_base`` the
server's version at our last sync. Per element path:

- changed on one side only: that side's value;
- changed on both sides to the same value: that value;
- changed on both sides differently: a performer-owned path keeps the server's value (but
  ``Task.status`` is decided by the values: :func:`adapter.sync.ownership.both_changed`, so a
  case manager's cancel beats a provider's progress), a case-management path is a conflict
  that is never silently overwritten;
- a path to ``restore`` (case-management elements a pull found changed on the server and listed
  as a conflict) takes our value whatever the server holds: the case manager owns it.

Values compare by what they mean, not how they are spelt: numbers by value (``21000.00`` is
``21000``), instants by the moment they name (``10:15:00-05:00`` is ``15:15:00Z``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from adapter.sync.hashing import SERVER_META_KEYS
from adapter.sync.ownership import both_changed, performer_owned

__all__ = ["Merge", "instant", "three_way"]

Resource = Mapping[str, Any]
_ABSENT: Any = None  # a missing element and an explicit null mean the same in FHIR JSON
_FIXED = ("resourceType", "id")


@dataclass(frozen=True)
class Merge:
    """The merged resource and what happened to each disputed path (paths only, no values)."""

    body: dict[str, Any]
    applied: tuple[str, ...] = ()
    """Our changes written over the server's version."""
    kept_from_server: tuple[str, ...] = ()
    """Server changes kept (ours unchanged there, or the performer owns the path)."""
    server_won: tuple[str, ...] = ()
    """Performer-owned paths both sides changed: the server's value was kept."""
    conflicts: tuple[str, ...] = field(default=())
    """Case-management paths both sides changed differently: not mergeable."""
    restored: tuple[str, ...] = ()
    """Paths to restore where the server held something else: our value was written back."""

    @property
    def clean(self) -> bool:
        return not self.conflicts

    def detail(self) -> dict[str, list[str]]:
        return {
            "applied": list(self.applied),
            "kept_from_server": list(self.kept_from_server),
            "server_won": list(self.server_won),
            "conflicts": list(self.conflicts),
            "restored": list(self.restored),
        }


def three_way(
    *,
    ours: Resource,
    theirs: Resource,
    ours_base: Resource | None,
    theirs_base: Resource | None,
    restore: Collection[str] = (),
) -> Merge:
    """Merge ``ours`` into ``theirs`` (see the module docstring). A missing base falls back to
    the other side's; with no base at all only ownership decides."""
    kind = str(ours["resourceType"])
    owned = performer_owned(kind)
    sides = [_clean(r) for r in (ours, theirs, ours_base or theirs_base, theirs_base or ours_base)]
    mine, server, my_base, server_base = sides
    body: dict[str, Any] = {key: ours[key] for key in _FIXED if key in ours}
    names = ("same", "applied", "kept", "won", "conflict", "restored")
    verdicts: dict[str, list[str]] = {v: [] for v in names}
    for path in _paths(owned, *[s for s in sides if s is not None]):
        if path in restore and not _same(_get(mine, path), _get(server, path)):
            value, verdict = _get(mine, path), "restored"
        else:
            value, verdict = _decide(kind, path, owned, (mine, server, my_base, server_base))
        _put(body, path, value)
        verdicts[verdict].append(path)
    return Merge(
        body,
        applied=tuple(verdicts["applied"]),
        kept_from_server=tuple(verdicts["kept"]),
        server_won=tuple(verdicts["won"]),
        conflicts=tuple(verdicts["conflict"]),
        restored=tuple(verdicts["restored"]),
    )


def _decide(
    kind: str,
    path: str,
    owned: frozenset[str],
    sides: tuple[Resource | None, Resource | None, Resource | None, Resource | None],
) -> tuple[Any, str]:
    mine, server, my_base, server_base = sides
    ours, theirs = _get(mine, path), _get(server, path)
    if _same(ours, theirs):
        return ours, "same"
    if my_base is None:  # nothing to compare with: ownership alone decides
        return _owned(kind, path, ours, theirs) if path in owned else (ours, "applied")
    local_changed = not _same(ours, _get(my_base, path))
    server_changed = not _same(theirs, _get(server_base, path))
    if not local_changed:
        return theirs, "kept" if server_changed else "same"
    if not server_changed:
        return ours, "applied"
    if path in owned:
        return _owned(kind, path, ours, theirs)
    return theirs, "conflict"


def _owned(kind: str, path: str, ours: Any, theirs: Any) -> tuple[Any, str]:
    """A performer-owned path both sides changed: by :func:`both_changed`."""
    winner = both_changed(kind, path, ours, theirs)
    if winner == "ours":
        return ours, "applied"
    return theirs, "won" if winner == "theirs" else "conflict"


def _same(a: Any, b: Any) -> bool:
    """Equal by meaning: Decimals already compare by value; instants by the moment."""
    if a == b:
        return True
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, str) and isinstance(b, str):
        first, second = instant(a), instant(b)
        return first is not None and first == second
    return False


def instant(text: str) -> datetime | None:
    """A FHIR dateTime/instant with a time and a zone, as an aware datetime; else None."""
    if "T" not in text or len(text) < 20:
        return None
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp if stamp.tzinfo is not None else None


def _clean(resource: Resource | None) -> dict[str, Any] | None:
    """Without the server-stamped meta and the fixed keys, which are never merged."""
    if resource is None:
        return None
    body = {k: v for k, v in resource.items() if k not in _FIXED}
    meta = body.get("meta")
    if isinstance(meta, Mapping):
        kept = {k: v for k, v in meta.items() if k not in SERVER_META_KEYS}
        if kept:
            body["meta"] = kept
        else:
            del body["meta"]
    return body


def _paths(owned: Iterable[str], *resources: Mapping[str, Any]) -> list[str]:
    """Top-level elements, split one level down where ownership names a child."""
    split = {path.split(".", 1)[0] for path in owned if "." in path}
    paths: list[str] = []
    for key in dict.fromkeys(k for r in resources for k in r):
        if key not in split:
            paths.append(key)
            continue
        children = (r.get(key) for r in resources)
        names = dict.fromkeys(c for child in children if isinstance(child, Mapping) for c in child)
        paths.extend(f"{key}.{name}" for name in names)
    return paths


def _get(resource: Mapping[str, Any] | None, path: str) -> Any:
    if resource is None:
        return _ABSENT
    head, _, child = path.partition(".")
    value = resource.get(head, _ABSENT)
    if not child:
        return value
    return value.get(child, _ABSENT) if isinstance(value, Mapping) else _ABSENT


def _put(body: dict[str, Any], path: str, value: Any) -> None:
    if value is _ABSENT:
        return
    head, _, child = path.partition(".")
    if child:
        body.setdefault(head, {})[child] = value
    else:
        body[head] = value

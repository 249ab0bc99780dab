"""The benchmark's data: N generated cases on disk, the 1 % changed for W2, and the tasks a
"provider" completes on the server before W4. All deterministic for a given seed and count."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapter.fhir import json_body
from adapter.mappings.bundle import case_to_resources, full_url
from adapter.model.case import Case
from adapter.model.generate import generate_cases

__all__ = [
    "OPEN_TASK_STATUSES",
    "Dataset",
    "changed_entries",
    "changed_fraction_count",
    "edit_case",
    "make_dataset",
    "pick_every",
    "transaction_bytes",
]

Json = dict[str, Any]
CHANGED_FRACTION = 0.01
#: Task statuses a provider can still move to ``completed``.
OPEN_TASK_STATUSES = frozenset({"requested", "accepted", "in-progress", "on-hold"})


@dataclass(frozen=True)
class Dataset:
    """Where the case files are (``original``, ``changed``) and which cases differ."""

    root: Path
    original: Path
    changed: Path
    changed_ids: tuple[str, ...]
    provider_ids: tuple[str, ...]
    cases: int
    resources: int


def changed_fraction_count(cases: int) -> int:
    """1 % of the cases, at least one."""
    return max(1, round(cases * CHANGED_FRACTION))


def pick_every(candidates: Sequence[str], count: int, *, offset: int = 0) -> tuple[str, ...]:
    """``count`` ids spread evenly over ``candidates``, starting ``offset`` places in."""
    if not candidates or count <= 0:
        return ()
    step = max(1, len(candidates) // count)
    picked = [candidates[(offset + i * step) % len(candidates)] for i in range(count)]
    return tuple(dict.fromkeys(picked))


def edit_case(document: Json, tag: str) -> Json:
    """The same case with one goal's note (or, without goals, one task's description) changed."""
    edited = copy.deepcopy(document)
    goals = (edited.get("plan") or {}).get("goals") or []
    if goals:
        goals[0]["note"] = f"Reviewed with the client ({tag})"
        return edited
    tasks = edited.get("tasks") or []
    if not tasks:
        raise ValueError("a case without goals or tasks cannot be edited")
    tasks[0]["description"] = f"Updated by the case manager ({tag})"
    return edited


def make_dataset(root: Path, cases: int, *, seed: int, prefix: str = "GEN") -> Dataset:
    """Write ``original/`` and ``changed/`` (the same cases, 1 % edited) under ``root``."""
    original, changed = root / "original", root / "changed"
    original.mkdir(parents=True, exist_ok=True)
    changed.mkdir(parents=True, exist_ok=True)
    editable: list[str] = []
    with_tasks: list[str] = []
    resources = 0
    for case in generate_cases(cases, seed=seed, prefix=prefix):
        _write(original / f"{case.id}.json", _document(case))
        resources += len(case_to_resources(case))
        if (case.plan is not None and case.plan.goals) or case.tasks:
            editable.append(case.id)
        if any(task.status.value in OPEN_TASK_STATUSES for task in case.tasks):
            with_tasks.append(case.id)
    count = changed_fraction_count(cases)
    changed_ids = pick_every(editable, count)
    for file in sorted(original.glob("*.json")):
        document = json.loads(file.read_text(encoding="utf-8"))
        if document["id"] in changed_ids:
            document = edit_case(document, f"seed {seed}")
        _write(changed / file.name, document)
    provider_ids = pick_every(with_tasks, count, offset=len(with_tasks) // (2 * count) or 1)
    return Dataset(root, original, changed, changed_ids, provider_ids, cases, resources)


def _document(case: Case) -> Json:
    # The same JSON `adapter generate` writes.
    loaded: Json = json.loads(case.model_dump_json(exclude_none=True))
    return loaded


def _write(path: Path, document: Json) -> None:
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def read_cases(directory: Path) -> Iterator[Case]:
    for file in sorted(directory.glob("*.json")):
        yield Case.model_validate_json(file.read_text(encoding="utf-8"))


def transaction_bytes(resources: Sequence[Json]) -> bytes:
    """A transaction Bundle upserting ``resources`` (PUT by id), serialized as the adapter
    serializes request bodies."""
    entries = [
        {
            "fullUrl": full_url(r),
            "resource": r,
            "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"},
        }
        for r in resources
    ]
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": entries}
    return json_body.dumps(bundle)


def changed_entries(before: Sequence[Json], after: Sequence[Json]) -> list[Json]:
    """The resources of ``after`` that are new or differ from ``before`` (same key)."""
    old = {(r["resourceType"], r["id"]): r for r in before}
    return [r for r in after if old.get((r["resourceType"], r["id"])) != r]

"""A provider's edits on the server for ``bench/pull-bench``: plain HTTP, as another system
writes them. Per chosen case one resource changes, alternating between completing an open Task
and marking an in-progress Goal achieved (the other kind when the case has none of the first);
every answer is checked (status, a new version, the element written)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Final

import httpx

from adapter.mappings.bundle import case_to_resources
from adapter.mappings.terminology import table
from adapter.model.case import Case
from bench.dataset import OPEN_TASK_STATUSES, pick_every

__all__ = ["Edit", "apply_edits", "plan_edits"]

FHIR_JSON: Final = "application/fhir+json"
_ACHIEVED: Final = "achieved"


@dataclass(frozen=True)
class Edit:
    """One server-side change: ``resource_type/resource_id`` of ``case_id``."""

    case_id: str
    resource_type: str
    resource_id: str


def _editable(resource: dict[str, Any]) -> str | None:
    """The edit kind ``resource`` allows (its type), or None."""
    kind = str(resource["resourceType"])
    if kind == "Task" and resource.get("status") in OPEN_TASK_STATUSES:
        return kind
    if kind == "Goal" and resource.get("lifecycleStatus") in {"active", "accepted"}:
        codes = [c.get("code") for c in (resource.get("achievementStatus") or {}).get("coding", [])]
        return None if _ACHIEVED in codes else kind
    return None


def plan_edits(cases: Iterable[Case], fraction: float, namespace: str) -> list[Edit]:
    """Which resource of which case changes: ``fraction`` of the cases, spread evenly."""
    options: dict[str, dict[str, str]] = {}
    total = 0
    for case in cases:
        total += 1
        found: dict[str, str] = {}
        for resource in case_to_resources(case, namespace=namespace):
            kind = _editable(resource)
            if kind is not None:
                found.setdefault(kind, resource["id"])
        if found:
            options[case.id] = found
    count = min(len(options), max(1, round(fraction * total)))
    edits = []
    for n, case_id in enumerate(pick_every(sorted(options), count)):
        found = options[case_id]
        kind = ("Task", "Goal")[n % 2]
        kind = kind if kind in found else next(iter(found))
        edits.append(Edit(case_id, kind, found[kind]))
    return edits


def _changed(resource: dict[str, Any]) -> dict[str, Any]:
    body = dict(resource)
    if body["resourceType"] == "Task":
        body["status"] = "completed"
        body.pop("statusReason", None)
    else:
        coding = table("goal-achievement").to_fhir(_ACHIEVED).coding()
        body["achievementStatus"] = {"coding": [coding]}
    return body


def _apply(http: httpx.Client, base: str, edit: Edit) -> None:
    url = f"{base}/{edit.resource_type}/{edit.resource_id}"
    current = http.get(url)
    current.raise_for_status()
    before = current.json()
    body = _changed(before)
    answer = http.put(url, json=body, headers={"Content-Type": FHIR_JSON})
    answer.raise_for_status()
    written = answer.json()
    old, new = before["meta"]["versionId"], written["meta"]["versionId"]
    field = "status" if edit.resource_type == "Task" else "achievementStatus"
    if int(new) <= int(old) or written.get(field) != body[field]:
        raise RuntimeError(f"{edit.resource_type}/{edit.resource_id}: the edit did not land")


def apply_edits(base: str, edits: Sequence[Edit], workers: int = 2) -> None:
    """Write every edit (``workers`` in flight); raises on the first that did not land."""
    headers = {"Accept": FHIR_JSON}
    with httpx.Client(timeout=120, headers=headers) as http, ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda edit: _apply(http, base.rstrip("/"), edit), edits))

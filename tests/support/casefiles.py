"""Example cases (examples/cases/) re-identified for tests that share a FHIR server or a ledger."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from adapter.model.case import Case
from adapter.model.validation import parse_case

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "cases"


def example_data(prefix: str) -> dict[str, Any]:
    """The raw JSON of the example case whose file name starts with ``prefix`` (``CM-2001``)."""
    [path] = sorted(EXAMPLES.glob(f"{prefix}*.json"))
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def example_case(prefix: str, suffix: str, *, client_suffix: str | None = None) -> Case:
    """An example case with ``-<suffix>`` on its case id and client id, so it lands on its own
    resources; ``client_suffix`` gives several cases one client."""
    data = example_data(prefix)
    data["id"] = f"{data['id']}-{suffix}"
    data["client"]["id"] = f"{data['client']['id']}-{client_suffix or suffix}"
    return parse_case(data)


def with_many_tasks(prefix: str, suffix: str, tasks: int) -> dict[str, Any]:
    """The raw example case re-identified like :func:`example_case`, with copies of its first
    task added until it has ``tasks`` coordination tasks (a case larger than a server's cap)."""
    data = example_data(prefix)
    data["id"] = f"{data['id']}-{suffix}"
    data["client"]["id"] = f"{data['client']['id']}-{suffix}"
    template = data["tasks"][0]
    for number in range(tasks - len(data["tasks"])):
        extra = json.loads(json.dumps(template))
        extra["id"] = f"T-{1000 + number}"
        data["tasks"].append(extra)
    return data


# The example cases the report tests counted by hand (tests/unit/reports/test_examples.py).
# Examples added later change no expectation; a change to one of these needs a recount.
HAND_COUNTED = tuple(f"CM-{number}" for number in range(2001, 2022))


def hand_counted_files() -> list[Path]:
    """The files of :data:`HAND_COUNTED`, sorted."""
    return [path for prefix in HAND_COUNTED for path in sorted(EXAMPLES.glob(f"{prefix}-*.json"))]

"""Mapping CPU in this process: ``case_to_bundle`` over every case, and the validation that
turns case JSON into the model (``parse_case``), timed apart."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from adapter.mappings.bundle import case_to_bundle
from adapter.model.validation import parse_case

__all__ = ["mapping_cpu"]


def mapping_cpu(cases_dir: Path) -> dict[str, Any]:
    documents = [
        json.loads(f.read_text(encoding="utf-8")) for f in sorted(cases_dir.glob("*.json"))
    ]
    start = time.process_time()
    cases = [parse_case(document) for document in documents]
    parsed = time.process_time()
    resources = sum(len(case_to_bundle(case)["entry"]) for case in cases)
    mapped = time.process_time()
    return {
        "cases": len(cases),
        "resources": resources,
        "parse_cpu_s": parsed - start,
        "map_cpu_s": mapped - parsed,
        "map_ms_per_resource": (mapped - parsed) * 1000 / resources if resources else None,
        "parse_ms_per_case": (parsed - start) * 1000 / len(cases) if cases else None,
    }

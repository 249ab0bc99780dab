"""Hand-written foreign FHIR data (tests/fixtures/import): loaded as another system would."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "import"
SCENARIOS = ("spec-episode", "us-core-careplan", "unknown-code", "missing-optional", "malformed")


def foreign_resources(scenario: str, tag: str) -> list[dict[str, Any]]:
    """The scenario's resources with ``{tag}`` replaced (ids unique on a shared server)."""
    text = (FIXTURES / f"{scenario}.json").read_text(encoding="utf-8").replace("{tag}", tag)
    resources: list[dict[str, Any]] = json.loads(text)
    return resources


def put_raw(base_url: str, resources: list[dict[str, Any]]) -> None:
    """PUT each resource by plain HTTP, in order (not through the adapter's client)."""
    with httpx.Client(timeout=60) as http:
        for resource in resources:
            url = f"{base_url.rstrip('/')}/{resource['resourceType']}/{resource['id']}"
            answer = http.put(url, json=resource, headers={"Content-Type": "application/fhir+json"})
            assert answer.status_code in (200, 201), (url, answer.status_code, answer.text[:300])


def normalized(record: dict[str, Any], tag: str, server: str) -> Any:
    """A record with the run's tag and server replaced, for comparing with a golden file."""
    text = json.dumps(record, sort_keys=True).replace(tag, "TAG").replace(server, "SERVER")
    return json.loads(re.sub(r'"version": "\d+"', '"version": "1"', text))

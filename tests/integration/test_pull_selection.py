"""Pull on a server that does not take some resource types (issue 15), on the real HAPI: the
server's resources are compared with the case as the selection shaped it for that server, so
what the selection removed (a Condition's ``evidence`` naming left-out Observations) is never
taken for a change made on the server, and a pulled change costs no write on the next push."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from adapter.canonical import NAMESPACE_TAG_SYSTEM
from adapter.cli import app
from adapter.sync.type_selection import WRITTEN_TYPES
from tests.integration.fhir_proxy import private_installation
from tests.integration.push_support import fresh_cases, write_cases

pytestmark = pytest.mark.integration


def run(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code in (0, 1), result.output
    found: dict[str, Any] = json.loads(result.stdout)
    return found


def first_of(http: httpx.Client, kind: str, namespace: str, has: str) -> dict[str, Any]:
    """One resource of ``kind`` under ``namespace`` that holds element ``has``."""
    params = {"_tag": f"{NAMESPACE_TAG_SYSTEM}|{namespace}", "_count": "100"}
    bundle = http.get(f"/{kind}", params=params).json()
    found: list[dict[str, Any]] = [
        e["resource"] for e in bundle.get("entry", []) if has in e["resource"]
    ]
    assert found, f"no {kind} with {has}"
    return found[0]


def put(http: httpx.Client, resource: dict[str, Any]) -> None:
    answer = http.put(f"/{resource['resourceType']}/{resource['id']}", json=resource)
    assert answer.status_code == 200, answer.text


def test_a_server_change_is_compared_with_the_case_as_the_selection_shaped_it(
    fhir_base_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    namespace = private_installation(tmp_path, monkeypatch, "psel")["ADAPTER_NAMESPACE"]
    kept = sorted(WRITTEN_TYPES - {"Provenance", "Observation"})
    monkeypatch.setenv("ADAPTER_RESOURCE_TYPES", ",".join(kept))
    # CM-2001: its Conditions name assessment Observations as evidence (left out here)
    [case] = [c for c in fresh_cases(21) if c["id"].startswith("CM-2001-")]
    folder = write_cases(tmp_path / "cases", [case])
    pushed = run("push", str(folder), "--server", fhir_base_url)
    assert pushed["summary"]["left_out_types"] == ["Observation", "Provenance"]
    assert pushed["summary"]["cases_failed"] == 0
    assert run("pull", "--server", fhir_base_url)["conflicts"] == 0  # the watermark set

    with httpx.Client(base_url=fhir_base_url, timeout=60) as http:
        condition = first_of(http, "Condition", namespace, "clinicalStatus")
        assert "evidence" not in condition  # the selection removed it: no Observation there
        condition["clinicalStatus"]["coding"][0]["code"] = "resolved"
        put(http, condition)
        task = next(
            t for t in _tasks(http, namespace) if t["status"] in ("requested", "in-progress")
        )
        task["status"] = "completed"
        put(http, task)

    pulled = run("pull", "--server", fhir_base_url)
    [found] = pulled["cases"]
    disputes = {d["resource"]: d for d in found["disputes"]}
    key = f"Condition/{condition['id']}"
    # only what the server's user changed: before, `evidence` was named too
    assert disputes[key]["fields"] == ["clinicalStatus"], disputes[key]
    assert pulled["conflicts"] == 1
    assert f"Task/{task['id']}" not in disputes
    assert any(c["path"].endswith(".status") for c in found["changes"]), found["changes"]

    # the task as pulled is what the server holds: the next push does not send it back
    again = run("push", str(folder), "--server", fhir_base_url)
    written = [r for c in again["cases"] for r in c.get("written_resources", [])]
    assert f"Task/{task['id']}" not in written
    assert again["summary"]["resources_written"] <= 1  # at most the disputed Condition


def _tasks(http: httpx.Client, namespace: str) -> list[dict[str, Any]]:
    params = {"_tag": f"{NAMESPACE_TAG_SYSTEM}|{namespace}", "_count": "100"}
    return [e["resource"] for e in http.get("/Task", params=params).json().get("entry", [])]

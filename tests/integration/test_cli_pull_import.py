"""``adapter pull`` and ``adapter import`` end to end against the real HAPI server."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adapter.cli import app
from adapter.fhir import open_client
from adapter.mappings.bundle import case_to_bundle, case_to_resources
from adapter.model.case import Case
from adapter.settings import load_settings
from adapter.sync.ledger import Ledger
from adapter.sync.namespace import NAMESPACE_KEY
from tests.support.casefiles import example_case

pytestmark = pytest.mark.integration


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


async def complete_task(server: str, case: Case, task_id: str, namespace: str | None) -> None:
    [task] = [
        r
        for r in case_to_resources(case, namespace=namespace)
        if r["resourceType"] == "Task"
        and any(i["value"] == f"{case.id}/{task_id}" for i in r["identifier"])
    ]
    async with open_client(load_settings(fhir_base_url=server)) as client:
        current = await client.read("Task", task["id"])
        await client.update({**current, "status": "completed"})


def test_push_then_pull_prints_what_the_provider_changed(fhir_base_url, tmp_path: Path):
    case = example_case("CM-2001", uuid.uuid4().hex[:10])
    source = tmp_path / "case.json"
    source.write_text(case.model_dump_json())
    ledger = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    assert run("push", str(source), "--server", fhir_base_url, "--ledger", ledger)[0] == 0
    with Ledger.open(ledger) as opened:
        namespace = opened.get_setting(NAMESPACE_KEY)
    asyncio.run(complete_task(fhir_base_url, case, "T-2", namespace))

    code, out, err = run("pull", "--server", fhir_base_url, "--ledger", ledger)

    assert code == 0, err
    assert f"case {case.id}" in out
    assert "task T-2 status: in-progress -> completed" in out
    code, out, _ = run("pull", "--server", fhir_base_url, "--ledger", ledger, "--json")
    assert code == 0
    assert json.loads(out)["cases_updated"] == 0  # this ledger knows one case: nothing new


def test_import_writes_the_clients_cases_and_reports_an_unknown_patient(fhir_base_url, tmp_path):
    case = example_case("CM-2005", uuid.uuid4().hex[:10])
    patient = next(r for r in case_to_resources(case) if r["resourceType"] == "Patient")

    async def put() -> None:
        async with open_client(load_settings(fhir_base_url=fhir_base_url)) as client:
            await client.transaction(case_to_bundle(case))

    asyncio.run(put())
    out_dir = tmp_path / "cases"

    code, out, err = run(
        "import", "--server", fhir_base_url, "--patient", patient["id"], "--out", str(out_dir)
    )

    assert code == 0, err
    assert f"imported 1 cases of 1 clients into {out_dir} (1 written, 0 unchanged)" in out
    [path] = out_dir.iterdir()
    assert path.name.endswith(f"__{case.id}.json")
    record = json.loads(path.read_text())
    imported = Case.model_validate(record["case"])
    assert imported.model_copy(update={"origin": None}) == case
    assert record["source"]["server"] == fhir_base_url
    # Where it came from, kept in the case: a push that re-serves it says so.
    assert imported.origin is not None
    assert imported.origin.server == fhir_base_url
    read = {(s["resource"], s["version"]) for s in record["sources"]}
    assert {(r.resource, r.version) for r in imported.origin.resources} == read
    code, out, err = run(
        "import", "--server", fhir_base_url, "--patient", patient["id"], "--out", str(out_dir)
    )
    assert code == 0, err
    assert "(0 written, 1 unchanged)" in out  # the same case again: the file is left alone
    code, _, err = run(
        "import", "--server", fhir_base_url, "--patient", "no-such-client", "--out", str(out_dir)
    )
    assert code == 1
    assert "no Patient" in err
    assert "Traceback" not in err


def test_pull_refuses_a_since_without_a_time_zone(tmp_path):
    ledger = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    code, _, err = run("pull", "--ledger", ledger, "--since", "2026-01-05T12:00:00")
    assert code != 0
    assert "Traceback" not in err

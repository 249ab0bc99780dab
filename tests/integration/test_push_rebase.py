"""``adapter push`` of a file that is behind a pull, against the real HAPI server: the stored
version's performer-owned fields are kept, and a change the file itself makes is checked
against the stored version's transitions."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from adapter.cli import app
from adapter.fhir import open_client
from adapter.mappings.bundle import case_to_resources
from adapter.model.case import Case
from adapter.settings import load_settings
from adapter.sync.ledger import Ledger
from adapter.sync.ledger.schema import ReasonCode
from adapter.sync.namespace import NAMESPACE_KEY
from tests.support.casefiles import example_case

pytestmark = pytest.mark.integration


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def task_id_on_server(case: Case, task_id: str, namespace: str | None) -> str:
    [task] = [
        r
        for r in case_to_resources(case, namespace=namespace)
        if r["resourceType"] == "Task"
        and any(i["value"] == f"{case.id}/{task_id}" for i in r["identifier"])
    ]
    return str(task["id"])


async def read_task(server: str, resource_id: str) -> dict[str, Any]:
    async with open_client(load_settings(fhir_base_url=server)) as client:
        return dict(await client.read("Task", resource_id))


def stored_task_status(ledger: str, case_id: str, index: int) -> str:
    with Ledger.open(ledger) as opened:
        found = opened.get_case(case_id)
    document = found.document if found is not None else None
    return str((document or {})["tasks"][index]["status"])


async def complete_task(server: str, resource_id: str) -> None:
    async with open_client(load_settings(fhir_base_url=server)) as client:
        current = await client.read("Task", resource_id)
        await client.update({**current, "status": "completed"})


def test_a_file_behind_a_pull_keeps_the_completed_task_and_a_real_move_back_is_refused(
    fhir_base_url: str, tmp_path: Path
):
    case = example_case("CM-2001", uuid.uuid4().hex[:10])
    source = tmp_path / "case.json"
    source.write_text(case.model_dump_json())
    ledger = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    where = ("--server", fhir_base_url, "--ledger", ledger)
    assert run("push", str(source), *where)[0] == 0
    with Ledger.open(ledger) as opened:
        task = task_id_on_server(case, "T-2", opened.get_setting(NAMESPACE_KEY))
    asyncio.run(complete_task(fhir_base_url, task))
    assert run("pull", *where)[0] == 0

    code, output = run("push", str(source), *where)

    assert code == 0, output
    assert asyncio.run(read_task(fhir_base_url, task))["status"] == "completed"
    with Ledger.open(ledger) as opened:
        assert opened.dead_letters() == []
    assert stored_task_status(ledger, case.id, 1) == "completed"

    moved_back = case.model_dump(mode="json", exclude_none=True)
    moved_back["tasks"][1]["status"] = "requested"
    del moved_back["tasks"][1]["outcome"]  # a requested task has no outcome yet
    (tmp_path / "moved.json").write_text(Case.model_validate(moved_back).model_dump_json())

    code, output = run("push", str(tmp_path / "moved.json"), *where)

    assert code == 1, output
    assert f"case {case.id}: tasks[1].status: illegal transition 'completed' -> 'requested'" in (
        output
    )
    with Ledger.open(ledger) as opened:
        [letter] = opened.dead_letters()
    assert (letter.case_id, letter.reason) == (case.id, ReasonCode.INVALID_INPUT)
    assert "tasks[1].status" in str(letter.message)
    assert stored_task_status(ledger, case.id, 1) == "completed"
    assert asyncio.run(read_task(fhir_base_url, task))["status"] == "completed"

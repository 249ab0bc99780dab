"""Issue 14, item 4: a stale re-export from the case-management system is rebased, against HAPI.

The service pushes a case, a provider completes one of its tasks, the pull takes that in, the
service pushes again; then the case-management system sends its routine re-export, which still
says the task is in progress. The completion is kept (and the answer says so), the rest of the
re-export is accepted; only a move the system itself makes against the tables is refused. The
same re-export as a file through ``adapter push`` is rebased the same way.
"""

from __future__ import annotations

import asyncio
import copy
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

from adapter.api import create_app
from adapter.cli import app as cli_app
from adapter.fhir import FHIRClient, open_client
from adapter.mappings.bundle import case_to_resources
from adapter.model.validation import parse_case
from adapter.settings import Settings, load_settings
from adapter.sync.ledger import Ledger
from adapter.sync.pull import run as pull_run
from adapter.sync.pull.changes import history_time
from tests.support.api import TOKEN, serve
from tests.support.casefiles import example_case

pytestmark = pytest.mark.integration


def task_id(case: dict[str, Any], record: str, namespace: str) -> str:
    value = f"{case['id']}/{record}"
    return next(
        str(r["id"])
        for r in case_to_resources(parse_case(case), namespace=namespace)
        if r["resourceType"] == "Task" and any(i["value"] == value for i in r["identifier"])
    )


async def complete(fhir: FHIRClient, resource_id: str) -> None:
    current = await fhir.read("Task", resource_id)
    await fhir.update({**current, "status": "completed"})


async def sync(api: httpx.AsyncClient, service: FastAPI, case_id: str) -> None:
    answer = await api.post("/sync", json={"case_ids": [case_id]})
    assert answer.status_code == 202, answer.text
    await service.state.adapter.runs.wait()


async def through_the_service(settings: Settings, case: dict[str, Any]) -> None:
    namespace = settings.namespace
    assert namespace is not None
    service = create_app(settings)
    async with open_client(settings) as fhir:
        since = history_time(await anext(fhir.history_pages(count=1, no_cache=True)))
        async for api in serve(service):
            assert (await api.post("/cases", json=case)).status_code == 201
            await sync(api, service, case["id"])
            await complete(fhir, task_id(case, "T-2", namespace))
            ledger: Ledger = service.state.adapter.ledger
            pulled = await pull_run.pull_changes(fhir, ledger, since=since, namespace=namespace)
            assert pulled.ok
            await sync(
                api, service, case["id"]
            )  # the service pushes what it holds: the completed task

            reexport = copy.deepcopy(case)  # the CM system's routine export: T-2 in progress
            reexport["tasks"][2]["description"] = "Cardiology booked for the 9th"
            answer = await api.post("/cases", json=reexport)

            assert answer.status_code == 200, answer.text
            assert answer.json()["kept"] == ["tasks[1].status"]
            stored = (await api.get(f"/cases/{case['id']}")).json()
            assert stored["tasks"][1]["status"] == "completed"
            assert stored["tasks"][2]["description"] == "Cardiology booked for the 9th"

            again = await api.post("/cases", json=reexport)  # the same export once more
            assert again.status_code == 200, again.text
            assert again.json() == {
                "id": case["id"],
                "status": "unchanged",
                "kept": ["tasks[1].status"],
            }

            moved_back = copy.deepcopy(reexport)  # the system's own move: in-progress -> requested
            moved_back["tasks"][1]["status"] = "requested"
            del moved_back["tasks"][1]["outcome"]
            refused = await api.post("/cases", json=moved_back)

            assert refused.status_code == 422, refused.text
            assert "tasks[1].status" in refused.text
            await sync(api, service, case["id"])
        on_server = await fhir.read("Task", task_id(case, "T-2", namespace))
        assert on_server["status"] == "completed"
        booked = await fhir.read("Task", task_id(case, "T-3", namespace))
        assert booked["description"] == "Cardiology booked for the 9th"


def test_a_stale_reexport_after_a_service_push_keeps_the_completion(
    fhir_base_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    namespace = f"loop-{uuid.uuid4().hex[:8]}"
    ledger_url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    settings = load_settings(
        fhir_base_url=fhir_base_url, ledger_url=ledger_url, api_token=TOKEN, namespace=namespace
    )
    case = example_case("CM-2001", uuid.uuid4().hex[:10]).model_dump(mode="json", exclude_none=True)
    asyncio.run(through_the_service(settings, case))

    # The same stale export as a file through the CLI: rebased too, no dead letter.
    (tmp_path / "case.json").write_text(parse_case(case).model_dump_json())
    monkeypatch.setenv("ADAPTER_NAMESPACE", namespace)
    result = CliRunner().invoke(
        cli_app,
        ["push", str(tmp_path / "case.json"), "--server", fhir_base_url, "--ledger", ledger_url],
    )
    assert result.exit_code == 0, result.output
    assert "kept tasks[1].status as stored" in result.stdout
    with Ledger.open(ledger_url) as opened:
        assert opened.dead_letters() == []
        found = opened.get_case(case["id"])
    assert found is not None
    assert found.document is not None
    assert found.document["tasks"][1]["status"] == "completed"

"""The production-like HAPI (HAPI_MODE=production): what it refuses, how a pull still reads the
provider's changes there, and how its refusals reach ``adapter explain`` in its own words.

The server is the project's own HAPI build with the production rules on (scripts/test starts it
once per run): server-assigned ids only, at most 50 entries per transaction, no system history.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from adapter.cli import app
from adapter.errors import FHIRStatusError, InvalidResource, ResourceNotFound
from adapter.fhir import FHIRClient, open_client
from adapter.mappings.namespace import namespace_tag
from adapter.settings import load_settings
from adapter.sync.ledger import Ledger
from adapter.sync.pull.changes import history_time
from adapter.sync.pull.run import pull_changes
from adapter.sync.push.run import CaseInput, push_cases
from tests.support.casefiles import with_many_tasks

pytestmark = [pytest.mark.integration, pytest.mark.production]

CAP_TEXT = "more update operations than allowed"


@pytest.fixture
async def prod(production_fhir_url: str) -> AsyncIterator[FHIRClient]:
    async with open_client(load_settings(fhir_base_url=production_fhir_url)) as client:
        yield client


def task(namespace: str, status: str) -> dict[str, Any]:
    return {
        "resourceType": "Task",
        "meta": {"tag": [namespace_tag(namespace)]},
        "status": status,
        "intent": "order",
    }


async def type_history_time(client: FHIRClient) -> datetime:
    page = await anext(client.history_pages("Task", count=1, no_cache=True))
    stamp = history_time(page)
    assert stamp is not None
    return stamp


async def test_the_server_refuses_what_production_servers_refuse(prod: FHIRClient):
    namespace = f"prod-{uuid.uuid4().hex[:10]}"
    with pytest.raises(ResourceNotFound) as put_new:
        await prod.update({**task(namespace, "requested"), "id": f"cm-task-{namespace}"})
    assert put_new.value.server_code == "HAPI-0959"  # client-assigned ids are not enabled
    created = await prod.create(task(namespace, "requested"))
    assert created.id  # the server chose it
    entries = [
        {"resource": task(namespace, "requested"), "request": {"method": "POST", "url": "Task"}}
    ]
    with pytest.raises(InvalidResource) as capped:
        await prod.transaction(
            {"resourceType": "Bundle", "type": "transaction", "entry": entries * 51}
        )
    assert CAP_TEXT in capped.value.issues[0]["diagnostics"]
    assert "at most 50 entries" in capped.value.issues[0]["diagnostics"]
    with pytest.raises(FHIRStatusError) as no_history:
        await anext(prod.history_pages(count=1))
    assert no_history.value.status == 405
    interactions = [i["code"] for i in (await prod.capabilities())["rest"][0]["interaction"]]
    assert "history-system" not in interactions


async def test_a_provider_change_arrives_through_type_history(prod: FHIRClient, tmp_path: Path):
    namespace = f"prod-{uuid.uuid4().hex[:10]}"
    since = await type_history_time(prod)
    created = await prod.create(task(namespace, "requested"))
    assert created.resource is not None
    done = await prod.update({**created.resource, "status": "completed"})  # the provider's change

    with Ledger.open(f"sqlite:///{tmp_path / 'ledger.sqlite'}") as ledger:
        report = await pull_changes(prod, ledger, since=since, namespace=namespace)
        searched = await pull_changes(
            prod, ledger, since=since, namespace=namespace, strategy="search"
        )

    assert report.strategy == "type-history"
    assert report.refused[0].startswith("system-history: HTTP 405")
    assert "System-level history" in report.refused[0]  # the server's own words
    assert report.entries_read >= 2  # both versions of the Task, at least
    assert report.changed_resources >= 1
    assert report.watermark is not None
    assert report.watermark >= since
    # the search level finds it too, by our namespace tag, at its newest version
    assert searched.strategy == "search"
    assert searched.refused == []
    assert searched.entries_read == 1
    assert done.version_id == "2"


async def test_the_transaction_cap_is_explained_in_the_servers_words(
    prod: FHIRClient, production_fhir_url: str, tmp_path: Path
):
    case = with_many_tasks("CM-2001", uuid.uuid4().hex[:10], tasks=23)  # over 50 resources
    ledger_url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    with Ledger.open(ledger_url) as ledger:
        report = await push_cases([CaseInput(case["id"], case, "test")], client=prod, ledger=ledger)
    [outcome] = report.cases
    assert outcome.failed  # by our own ids (no profile learned): the cap, then no client ids

    result = CliRunner().invoke(
        app, ["explain", case["id"], "--server", production_fhir_url, "--ledger", ledger_url]
    )
    assert result.exit_code == 0, result.output
    assert CAP_TEXT in result.output  # the whole transaction's refusal, as the server said it
    assert "client-assigned IDs are not enabled" in result.output  # and the parts' refusal
    assert "sent in parts after the whole was refused: HTTP 400" in result.output


async def test_with_the_cap_set_no_transaction_exceeds_it(prod: FHIRClient, tmp_path: Path):
    case = with_many_tasks("CM-2001", uuid.uuid4().hex[:10], tasks=23)
    settings = load_settings(fhir_base_url=prod.base.url, fhir_max_transaction_entries=50)
    ledger_url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    with Ledger.open(ledger_url) as ledger:
        async with open_client(settings) as capped:
            await push_cases([CaseInput(case["id"], case, "test")], client=capped, ledger=ledger)
        [attempt] = ledger.attempts_for_case(case["id"])
    # the parts still meet the missing client-assigned ids, but the cap refuses none of them
    shown = str(attempt.operation_outcome)
    assert "HAPI-0959" in shown
    assert CAP_TEXT not in shown


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout + result.stderr


def test_adapter_pull_says_how_it_read_and_fails_loudly_when_it_cannot(
    production_fhir_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Synchronous: the command runs its own event loop."""

    async def now() -> datetime:
        async with open_client(load_settings(fhir_base_url=production_fhir_url)) as client:
            return await type_history_time(client)

    since = asyncio.run(now()).isoformat()
    where = ["--server", production_fhir_url, "--ledger", f"sqlite:///{tmp_path / 'l.sqlite'}"]

    code, out = cli("pull", "--since", since, *where)
    assert code == 0, out
    assert "(read by type-history)" in out
    assert "not supported by the server: system-history: HTTP 405" in out

    monkeypatch.setenv("ADAPTER_PULL_STRATEGY", "system-history")
    code, out = cli("pull", "--since", since, *where)
    assert code == 3, out
    assert "offers no way to read changes" in out
    assert "history entries" not in out  # never a silent "0 history entries"

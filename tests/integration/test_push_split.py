"""A case larger than the server's transaction cap goes as several transactions, referenced
resources first, each atomic: a plan with 200 tasks, ADAPTER_FHIR_MAX_TRANSACTION_ENTRIES=50."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from adapter.fhir import open_client
from adapter.settings import load_settings
from adapter.sync.ledger import Ledger
from adapter.sync.push.run import CaseInput, push_cases
from tests.integration.push_support import (
    CountingTransport,
    expected_counts,
    expected_resources,
    server_counts,
)
from tests.support.casefiles import with_many_tasks

pytestmark = pytest.mark.integration

CAP = 50


class BundleSizes(CountingTransport):
    """Counts requests and remembers the number of entries of every transaction sent."""

    def __init__(self) -> None:
        super().__init__()
        self.sizes: list[int] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.rstrip("/").endswith("/fhir"):
            body = json.loads(await request.aread())
            if body.get("type") == "transaction":
                self.sizes.append(len(body.get("entry") or []))
        return await super().handle_async_request(request)


async def test_a_plan_with_200_tasks_lands_in_capped_transactions(fhir_base_url, tmp_path):
    namespace = f"split-{uuid.uuid4().hex[:10]}"
    case = with_many_tasks("CM-2001", uuid.uuid4().hex[:10], tasks=200)
    settings = load_settings(fhir_base_url=fhir_base_url, fhir_max_transaction_entries=CAP)
    transport = BundleSizes()
    with Ledger.open(f"sqlite:///{tmp_path / 'ledger.sqlite'}") as ledger:
        async with open_client(settings, transport=transport) as client:
            report = await push_cases(
                [CaseInput(case["id"], case, "test")], client=client, ledger=ledger,
                namespace=namespace,
            )  # fmt: skip
            assert report.all_ok, [c.describe() for c in report.failed]
            on_server = await server_counts(client, [case], namespace)
            [plan] = [
                r for r in expected_resources([case], namespace) if r["resourceType"] == "CarePlan"
            ]
            stored_plan = await client.read("CarePlan", plan["id"])
            sizes, transport.sizes = transport.sizes, []
            again = await push_cases(
                [CaseInput(case["id"], case, "test")], client=client, ledger=ledger,
                namespace=namespace,
            )  # fmt: skip

    expected = expected_counts([case], namespace)
    assert on_server == expected
    assert expected["Task"] == 200
    assert stored_plan["activity"] == plan["activity"]  # the whole plan landed last
    assert len(plan["activity"]) == 200
    total = sum(expected.values())
    # every resource once, the CarePlan twice: the plan <-> task cycle (400 resources in one
    # reference cycle) is broken at the plan, sent first without its activities, whole at the end
    assert sum(sizes) == total + 1, sizes
    assert max(sizes) <= CAP
    assert len(sizes) == -(-(total + 1) // CAP)  # packed: no more transactions than needed
    [outcome] = report.cases
    assert outcome.written == total
    assert transport.sizes == []  # the second push sends nothing
    assert again.cases[0].written == 0

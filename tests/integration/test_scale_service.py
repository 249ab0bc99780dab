"""Two service replicas on one PostgreSQL ledger (docs/scale.md): ``POST /sync`` on both at
once is refused by neither; they share the stored cases through case leases, each case is
written by exactly one of them, and ``adapter verify`` finds ledger and server in agreement."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from adapter.api import create_app
from adapter.settings import Settings, load_settings
from adapter.sync.ledger import Ledger
from tests.integration.fhir_proxy import Faults, faulty_fhir
from tests.integration.push_support import fresh_cases
from tests.support.api import TOKEN, serve
from tests.support.ledger import POSTGRES_URL
from tests.support.postgres import fresh_postgres_schema

pytestmark = pytest.mark.integration


@pytest.fixture
def pg_ledger_url() -> Iterator[str]:
    if POSTGRES_URL is None:
        pytest.fail("scale tests need PostgreSQL: run scripts/test", pytrace=False)
    yield from fresh_postgres_schema(POSTGRES_URL, "replicas")


def _settings(fhir_base_url: str, ledger_url: str, namespace: str) -> Settings:
    return load_settings(
        fhir_base_url=fhir_base_url,
        ledger_url=ledger_url,
        api_token=TOKEN,
        namespace=namespace,
        allow_insecure_http=True,
    )


async def test_two_replicas_share_a_sync_instead_of_refusing_each_other(
    fhir_base_url: str, pg_ledger_url: str
) -> None:
    namespace = f"it-{uuid.uuid4().hex[:12]}"
    faults = Faults()  # no fault: the proxy only notes every transaction entry that arrives
    with faulty_fhir(fhir_base_url, faults) as proxy:
        runs = await _sync_on_both(proxy, pg_ledger_url, namespace, cases := fresh_cases(16))
    assert [run["status"] for run in runs] == ["completed", "completed"]
    assert all(run["cases_failed"] == 0 for run in runs)
    written = [run["summary"]["cases_written"] for run in runs]
    assert sum(written) == 16, written  # every case written once, by one replica
    assert all(run["summary"]["cases_held"] == 0 for run in runs)
    # Never sent by both: each resource arrived in exactly one transaction.
    twice = [url for url, times in Counter(faults.sent).items() if times > 1]
    assert twice == []
    assert len(faults.sent) > 16
    with Ledger.open(pg_ledger_url) as ledger:
        assert ledger.leases_held() == 0
        claimed = ledger.claimed(proxy)
    assert {entry.case_id for entry in claimed} == {case["id"] for case in cases}


async def _sync_on_both(
    server: str, ledger_url: str, namespace: str, cases: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Store ``cases`` through one replica, then ``POST /sync`` on both at once; both runs."""
    one = create_app(_settings(server, ledger_url, namespace))
    two = create_app(_settings(server, ledger_url, namespace))
    runs: list[dict[str, Any]] = []
    async for first in serve(one):
        async for second in serve(two):
            for case in cases:
                assert (await first.post("/cases", json=case)).status_code == 201
            started = await asyncio.gather(first.post("/sync"), second.post("/sync"))
            assert [answer.status_code for answer in started] == [202, 202]
            await asyncio.gather(one.state.adapter.runs.wait(), two.state.adapter.runs.wait())
            for client, answer in zip((first, second), started, strict=True):
                run = await client.get(f"/sync/runs/{answer.json()['run_id']}")
                runs.append(run.json())
    return runs

"""Each way of reading changes brings a provider's change into the stored case, on the real
HAPI: type-level history and ``_lastUpdated`` searches, as used against servers without
system-level history (tests/integration/test_production_hapi.py shows ``auto`` choosing them)."""

from __future__ import annotations

import pytest

from adapter.fhir import FHIRClient
from adapter.model.codes import TaskStatus
from adapter.sync.ledger import Ledger
from adapter.sync.pull.run import pull_changes
from tests.integration.test_pull_import import edit, push, server_now, stored, suffix, update_for
from tests.support.casefiles import example_case

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("strategy", ["type-history", "search"])
async def test_a_provider_change_arrives_by_each_strategy(
    client: FHIRClient, ledger: Ledger, strategy: str
):
    case = example_case("CM-2001", suffix())  # T-2 in progress
    await push(client, ledger, case)
    since = await server_now(client)
    await edit(client, case, "Task", "T-2", status="completed")

    report = await pull_changes(client, ledger, since=since, strategy=strategy)

    assert (report.strategy, report.refused) == (strategy, [])
    after = stored(ledger, case.id)
    assert next(t for t in after.tasks if t.id == "T-2").status is TaskStatus.COMPLETED
    assert "task T-2 status: in-progress -> completed" in [
        str(c) for c in update_for(report, case.id).changes
    ]
    again = await pull_changes(client, ledger, since=since, strategy=strategy)
    assert update_for(again, case.id) is None  # the ledger holds that version now

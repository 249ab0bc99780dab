"""What ``adapter ping`` learns on Medplum's FHIR router (scripts/medplum.sh, in-memory
repository): the profile the sync suite's ``medplum`` target runs with, and the reason behind
each setting there (``tests/integration/test_sync_suite.py``)."""

from __future__ import annotations

import json
import uuid

import pytest
from typer.testing import CliRunner

from adapter.cli import app
from adapter.errors import ResponseError
from adapter.fhir import open_client
from adapter.mappings.bundle import case_to_resources
from adapter.model.validation import parse_case
from adapter.settings import load_settings
from adapter.sync.ledger import Ledger
from adapter.sync.pull.run import pull_changes
from adapter.sync.push.run import CaseInput, push_cases
from tests.integration.push_support import fresh_cases

pytestmark = [pytest.mark.integration, pytest.mark.medplum]


def test_ping_finds_transactions_not_atomic_and_no_history(medplum_fhir_url, tmp_path):
    ledger = f"sqlite:///{tmp_path / 'l.sqlite'}"
    result = CliRunner().invoke(
        app, ["ping", "--server", medplum_fhir_url, "--ledger", ledger, "--json"]
    )

    assert result.exit_code == 0, result.output
    profile = json.loads(result.stdout)["profile"]
    assert profile["software_name"].startswith("Medplum")
    # the in-memory repository's withTransaction has no rollback
    assert (profile["transaction"], profile["atomic"]) == (True, False)
    # the router has instance history only: GET /_history is a search for a type "_history"
    assert (profile["history_system"], profile["history_type"]) == (False, False)
    taken = ("client_ids", "conditional_create", "conditional_update")
    assert [profile[name] for name in taken] == [True, True, True]
    assert profile["write"] == "allowed"


async def test_a_searchset_answered_to_history_is_an_error_not_an_empty_history(
    medplum_fhir_url,
):
    async with open_client(load_settings(fhir_base_url=medplum_fhir_url)) as fhir:
        with pytest.raises(ResponseError, match="not a history Bundle"):
            await anext(fhir.history_pages(count=1, no_cache=True))


async def test_pull_by_search_keeps_a_watermark_without_a_server_clock(medplum_fhir_url, tmp_path):
    """No history there, and no meta.lastUpdated on a searchset: the newest lastUpdated read is
    the watermark, so the next pull reads what changed since, not everything from the start."""
    [case] = fresh_cases(1)
    namespace = f"medplum-{uuid.uuid4().hex[:10]}"
    settings = load_settings(fhir_base_url=medplum_fhir_url, fhir_atomic_transactions=False)
    with Ledger.open(f"sqlite:///{tmp_path / 'ledger.sqlite'}") as ledger:
        async with open_client(settings) as fhir:
            inputs = [CaseInput(case["id"], case, "test")]
            await push_cases(inputs, client=fhir, ledger=ledger, namespace=namespace)
            first = await pull_changes(fhir, ledger, namespace=namespace, strategy="search")
            task = next(
                r
                for r in case_to_resources(parse_case(case), namespace=namespace)
                if r["resourceType"] == "Task" and r["status"] != "completed"
            )
            held = await fhir.read("Task", task["id"])
            await fhir.update({**held, "status": "completed"})  # a provider's change
            second = await pull_changes(fhir, ledger, namespace=namespace, strategy="search")

    assert first.watermark is not None
    assert second.since is not None
    assert second.since < first.watermark  # from the watermark less the overlap
    assert [u.case_id for u in second.updates] == [case["id"]]

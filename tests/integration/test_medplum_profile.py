"""What ``adapter ping`` learns on Medplum's FHIR router (scripts/medplum.sh, in-memory
repository): the profile the sync suite's ``medplum`` target runs with, and the reason behind
each setting there (``tests/integration/test_sync_suite.py``)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from adapter.cli import app
from adapter.errors import ResponseError
from adapter.fhir import open_client
from adapter.settings import load_settings

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

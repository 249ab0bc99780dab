"""Issue 14, item 6: a first pull without a namespace reads only this installation's resources
(by the adapter's identifier systems, per type, with ``_lastUpdated``), never another
installation's, against HAPI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from adapter.mappings.bundle import case_to_resources
from adapter.model.validation import parse_case
from adapter.sync.ledger import Ledger, ResourceKey
from adapter.sync.namespace import NAMESPACE_KEY
from adapter.sync.pull import run as pull_run
from adapter.sync.pull.first_read import read_first
from adapter.sync.pull.history import HistoryBatch
from tests.integration.loop_support import Desk

pytestmark = pytest.mark.integration


def _keys(desk: Desk) -> set[ResourceKey]:
    with Ledger.open(desk.ledger_url) as ledger:
        namespace = ledger.get_setting(NAMESPACE_KEY)
    resources = case_to_resources(parse_case(desk.case), namespace=namespace)
    return {ResourceKey(r["resourceType"], r["id"]) for r in resources}


def test_a_first_pull_without_a_namespace_reads_only_this_installations_resources(
    fhir_base_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    other = Desk(fhir_base_url, tmp_path / "other")  # another installation, its own namespace
    assert other.push()[0] == 0
    ours = Desk(fhir_base_url, tmp_path / "ours", namespace=False)
    assert ours.push()[0] == 0
    ours.provider_sets("T-2", status="completed")
    seen: list[tuple[HistoryBatch, str]] = []

    async def watched(*args: Any, **kwargs: Any) -> tuple[HistoryBatch, str]:
        # The real read, kept to see what it read (nothing else is changed).
        found = await read_first(*args, **kwargs)
        seen.append(found)
        return found

    monkeypatch.setattr(pull_run, "read_first", watched)

    code, out = ours.cli("pull", "--json")  # the first pull: no --since, no watermark

    assert code == 0, out
    [(batch, how)] = seen
    assert how == "identifiers"
    read = {change.key for change in batch.changes}
    assert not read & _keys(other)
    mine = {key for key in _keys(ours) if key.resource_type != "Provenance"}
    assert mine <= read
    assert batch.server_time is not None
    summary = json.loads(out)
    assert summary["first_read"] == "identifiers"
    assert ours.record("T-2", ours.stored())["status"] == "completed"
    assert summary["cursor"] >= 1

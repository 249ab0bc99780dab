"""``adapter import --bulk`` ($export) and ``--incremental`` against the real HAPI server.

The HAPI the project's scripts start has Bulk Data export enabled (tools/hapi-server,
``hapi.fhir.bulk_export_enabled``). Generated foreign cases are written by plain HTTP; a Group
of their patients keeps the export to this test's data on a shared server.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from adapter.cli import app
from adapter.fhir import FHIRClient
from adapter.sync.ledger import Ledger
from adapter.sync.pull.bulk import bulk_gatherer
from adapter.sync.pull.gather import RestGatherer
from adapter.sync.pull.import_run import WATERMARK_OVERLAP, server_time, watermark_key
from adapter.sync.pull.importer import import_with
from tests.support.foreign import (
    generated_episodes,
    group_of,
    post_raw,
    put_raw,
    transaction_bundles,
)

pytestmark = pytest.mark.integration

EPISODES = 1000  # the size; about 2-3 minutes on the shared 2-core machine


class _These:
    """REST import of exactly these patients (the shared server holds many more)."""

    def __init__(self, client: FHIRClient, patients: list[str]) -> None:
        self.rest = RestGatherer(client)
        self.wanted = patients

    async def patients(self) -> list[str]:
        return list(self.wanted)

    async def gather(self, patient_id: str) -> list[dict[str, Any]]:
        return await self.rest.gather(patient_id)


def texts(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.json"))}


async def test_bulk_export_and_rest_paging_give_identical_records(
    client: FHIRClient, fhir_base_url: str, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:8]
    resources = generated_episodes(EPISODES, tag)
    post_raw(fhir_base_url, transaction_bundles(resources))
    patients = [r["id"] for r in resources if r["resourceType"] == "Patient"]
    put_raw(fhir_base_url, [group_of(patients, f"grp-{tag}")])
    server = client.base.url

    rest = await import_with(_These(client, patients), server=server, out_dir=tmp_path / "rest")
    async with bulk_gatherer(client, group=f"grp-{tag}") as gatherer:
        bulk = await import_with(gatherer, server=server, out_dir=tmp_path / "bulk")
        assert gatherer.bad_lines == []
        exported = {f.type for m in gatherer.manifests for f in m.files}
        assert exported >= {"EpisodeOfCare", "CarePlan", "Task"}

    assert len(rest.imported) == EPISODES
    assert not rest.failed
    assert not bulk.failed
    assert texts(tmp_path / "bulk") == texts(tmp_path / "rest")
    one = json.loads(next(iter(texts(tmp_path / "rest").values())))
    assert len(one["case"]["plan"]["goals"]) == 2
    assert len(one["case"]["tasks"]) == 2


async def test_incremental_import_rewrites_only_the_changed_case(
    client: FHIRClient, fhir_base_url: str, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:8]
    out, ledger = tmp_path / "cases", f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    # Yesterday's import left its watermark (a first run would read the whole shared server).
    began = await server_time(client)
    assert began is not None
    with Ledger.open(ledger) as store:
        store.set_setting(watermark_key(client.base.url), began.isoformat())
    resources = generated_episodes(3, tag)
    post_raw(fhir_base_url, transaction_bundles(resources))
    base = ["import", "--server", fhir_base_url, "--ledger", ledger, "--out", str(out)]

    first = await asyncio.to_thread(CliRunner().invoke, app, [*base, "--incremental", "--json"])
    assert first.exit_code in (0, 1), first.output  # exit 1: others' data, as below
    assert not [f for f in json.loads(first.stdout)["failed"] if tag in str(f["episode"])]
    mine = {p.name: p.stat().st_mtime_ns for p in out.glob(f"*C-{tag}-*.json")}
    assert len(mine) == 3
    goal = next(r for r in resources if r["id"] == f"g{tag}-1-g1")
    put_raw(fhir_base_url, [{**goal, "description": {"text": "Walk to the shop twice a week"}}])

    second = await asyncio.to_thread(CliRunner().invoke, app, [*base, "--incremental", "--json"])

    # The window also holds what earlier tests wrote on the shared server (some of it not
    # importable on purpose): exit 1 is theirs, never this test's cases.
    assert second.exit_code in (0, 1), second.output
    summary = json.loads(second.stdout)
    assert not [f for f in summary["failed"] if tag in str(f["episode"])], summary["failed"]
    written = {Path(c["file"]).name for c in summary["imported"] if c["written"]}
    assert written & set(mine) == {n for n in mine if n.endswith(f"__C-{tag}-1.json")}
    after = {p.name: p.stat().st_mtime_ns for p in out.glob(f"*C-{tag}-*.json")}
    assert [n for n in mine if after[n] != mine[n]] == [n for n in written if n in mine]
    changed = json.loads((out / next(iter(written & set(mine)))).read_text())
    assert "Walk to the shop twice a week" in json.dumps(changed["case"]["plan"])
    with Ledger.open(ledger) as store:
        moved = store.get_setting(watermark_key(client.base.url))
    assert moved is not None
    assert datetime.fromisoformat(moved) > began - WATERMARK_OVERLAP


def test_bulk_cli_writes_ndjson_of_cases(fhir_base_url: str, tmp_path: Path):
    tag = uuid.uuid4().hex[:8]
    resources = generated_episodes(4, tag)
    post_raw(fhir_base_url, transaction_bundles(resources))
    patients = [r["id"] for r in resources if r["resourceType"] == "Patient"]
    put_raw(fhir_base_url, [group_of(patients, f"grp-{tag}")])
    ledger = f"sqlite:///{tmp_path / 'ledger.sqlite'}"

    result = CliRunner().invoke(
        app,
        ["import", "--server", fhir_base_url, "--ledger", ledger, "--out", str(tmp_path),
         "--bulk", "--group", f"grp-{tag}", "--ndjson"],
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    lines = (tmp_path / "cases.ndjson").read_text().splitlines()
    assert sorted(json.loads(line)["case"]["id"] for line in lines) == sorted(
        f"C-{tag}-{n}" for n in range(4)
    )

"""A server restored from an older backup: it holds the resources (and the installation's
marker) as they were when the backup was taken, at their old versions, and nothing written
since. The next `adapter push` notices the older marker ("older"), reads back what the ledger
claims and sends again every later write the restore undid: the server then holds the current
content of every case, exactly once, and the ledger agrees with it.

The restore is real, on the real HAPI: after the backup (every resource of the namespace read
back) and a second push (two cases edited, one added), every resource of the namespace is
deleted, expunged (so its history is gone too), and the backup is written back in one
transaction, each resource at version 1 again, the marker included.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapter.fhir import open_client
from adapter.settings import load_settings
from adapter.sync.ledger import Ledger
from adapter.sync.push.marker import MARKER_TYPE, marker_id
from tests.integration.push_support import fresh_cases, wipe_namespace, write_cases
from tests.reliability.cli_support import CliRunnerFor, Installation, installation, landing
from tests.reliability.invariants import Key, Resource, expected_resources, server_holdings

pytestmark = pytest.mark.integration

SERVER_META = ("versionId", "lastUpdated", "source")


def backup(where: Installation, types: set[str]) -> dict[Key, Resource]:
    """Every resource of the installation's namespace on the server, the marker included."""

    async def read() -> dict[Key, Resource]:
        async with open_client(load_settings(fhir_base_url=where.server)) as client:
            return await server_holdings(client, where.namespace, {*types, MARKER_TYPE})

    return asyncio.run(read())


def restore(base: str, namespace: str, saved: dict[Key, Resource], present: set[Key]) -> None:
    """Delete and expunge everything of ``namespace`` (``present``: what the server holds of
    it now), then write ``saved`` back as it was, each resource at version 1."""
    with httpx.Client(base_url=base, timeout=120) as http:
        wipe_namespace(base, namespace)
        expunge = {
            "resourceType": "Parameters",
            "parameter": [
                {"name": "expungeDeletedResources", "valueBoolean": True},
                {"name": "expungePreviousVersions", "valueBoolean": True},
            ],
        }
        for kind, ident in sorted(present | set(saved)):
            answer = http.post(f"/{kind}/{ident}/$expunge", json=expunge)
            assert answer.status_code == 200, answer.text[:300]
        entries = []
        for (kind, ident), resource in saved.items():
            body = {**resource}
            body["meta"] = {k: v for k, v in resource["meta"].items() if k not in SERVER_META}
            entries.append(
                {"resource": body, "request": {"method": "PUT", "url": f"{kind}/{ident}"}}
            )
        bundle = {"resourceType": "Bundle", "type": "transaction", "entry": entries}
        answer = http.post("", json=bundle)
        assert answer.status_code == 200, answer.text[:500]
        for entry in answer.json()["entry"]:
            assert entry["response"]["status"].startswith("201"), entry["response"]


def last_push(where: Installation) -> dict[str, Any]:
    with Ledger.open(where.ledger_url) as ledger:
        summary = ledger.runs(1, server=where.server)[0].summary
    assert summary is not None
    return summary


@pytest.mark.parametrize("repair_by", ["push", "verify --repair"])
def test_a_server_restored_from_an_older_backup_gets_every_later_write_again(
    repair_by: str, fhir_base_url: str, tmp_path: Path, cli: CliRunnerFor
) -> None:
    where = installation(fhir_base_url, tmp_path, "restore")
    cases = [c for c in fresh_cases(6) if c.get("tasks")][:4]
    first, added = cases[:3], cases[3]
    folder = tmp_path / "cases"
    write_cases(folder, first)
    code, output = cli(where, "push", str(folder))
    assert code == 0, output
    types = {kind for kind, _ in expected_resources(cases, where.namespace)}
    saved = backup(where, types)
    assert (MARKER_TYPE, marker_id(where.namespace)) in saved

    # Written after the backup: two tasks edited, one case added.
    for case in first[:2]:
        case["tasks"][0]["description"] = "Call the pharmacy again about the refill"
    write_cases(folder, [*first, added])
    code, output = cli(where, "push", str(folder))
    assert code == 0, output
    assert landing(fhir_base_url, where, cases).exact

    restore(fhir_base_url, where.namespace, saved, set(backup(where, types)))
    stale = landing(fhir_base_url, where, cases)
    assert len(stale.wrong_content) == 2  # the two edited tasks, as they were
    assert len(stale.missing) > 0  # the added case

    code, output = cli(where, "verify")
    assert code == 1, output
    assert output.count("1 changed on the server, 1 older than recorded") == 2
    assert f"{len(stale.missing)} missing, 2 changed" in output

    code, output = cli(where, *repair_by.split(), *([str(folder)] if repair_by == "push" else []))
    assert code == 0, output
    summary = last_push(where)  # verify --repair pushes the cases it repairs as one run
    assert summary["server_check"] == "older"
    # What the restore undid, and only that, went out again (verify --repair forgets it
    # before its push, so that push's own check finds nothing more to forget).
    undone = len(stale.missing) + 2
    assert summary["forgotten"] == (undone if repair_by == "push" else 0)
    assert summary["resources_written"] == undone
    after = landing(fhir_base_url, where, cases)
    assert after.exact, after.describe()
    code, output = cli(where, "verify")
    assert code == 0, output

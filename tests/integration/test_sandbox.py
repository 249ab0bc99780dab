"""Namespaces and ``sandbox clean`` against the real local HAPI, configured like a public sandbox
(multiple delete allowed, referential integrity enforced).

Two namespaces push the same cases: nothing collides, each sees only its own, and cleaning one
leaves the other whole.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from adapter.canonical import identifier_system
from adapter.cli import app
from adapter.fhir import FHIRClient
from adapter.mappings.bundle import bundle_to_case, case_to_bundle
from adapter.mappings.context import RESOURCE_TYPES
from adapter.mappings.namespace import tag_token
from adapter.model.validation import parse_case
from adapter.sync.ledger import Ledger, RunKind, SyncedResource
from adapter.sync.sandbox import clean_namespace

pytestmark = pytest.mark.integration

GOLDEN = Path(__file__).parents[1] / "golden"
# Plan revisions and a closure (Provenance), a care team, services, several goals and tasks.
NAMES = ["goals-achieved", "coverage-change", "deceased"]
CASES = [parse_case(json.loads((GOLDEN / f"{n}.internal.json").read_text())) for n in NAMES]


def _namespace() -> str:
    return f"it-{uuid.uuid4().hex[:10]}"


async def _push(client: FHIRClient, namespace: str) -> Counter[str]:
    """Send every case into ``namespace``; the number of resources per type that should exist."""
    expected: dict[str, set[str]] = {}
    for case in CASES:
        bundle = case_to_bundle(case, namespace=namespace)
        await client.transaction(bundle)
        for entry in bundle["entry"]:
            resource = entry["resource"]
            expected.setdefault(resource["resourceType"], set()).add(resource["id"])
    return Counter({kind: len(ids) for kind, ids in expected.items()})


async def _on_server(client: FHIRClient, namespace: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for kind in RESOURCE_TYPES:
        params = {"_tag": tag_token(namespace), "_count": "200"}
        ids = {r["id"] async for r in client.search(kind, params, no_cache=True)}
        if ids:
            found[kind] = ids
    return found


def _counts(found: dict[str, Any]) -> Counter[str]:
    return Counter({kind: len(ids) for kind, ids in found.items()})


@pytest.fixture
async def two_namespaces(client: FHIRClient) -> AsyncIterator[tuple[str, str, Counter[str]]]:
    one, two = _namespace(), _namespace()
    expected = await _push(client, one)
    assert await _push(client, two) == expected
    yield one, two, expected
    for namespace in (one, two):
        await clean_namespace(client, namespace)


async def test_two_namespaces_push_the_same_cases_without_colliding(client, two_namespaces):
    one, two, expected = two_namespaces
    mine, theirs = await _on_server(client, one), await _on_server(client, two)
    assert _counts(mine) == _counts(theirs) == expected
    for kind in expected:
        assert mine[kind].isdisjoint(theirs[kind]), kind


async def test_identifier_system_search_sees_only_its_own_namespace(client, two_namespaces):
    one, two, _ = two_namespaces
    tagged = {one: await _on_server(client, one), two: await _on_server(client, two)}
    for kind, resource_type in [("case", "EpisodeOfCare"), ("goal", "Goal"), ("task", "Task")]:
        for namespace, other in [(one, two), (two, one)]:
            system = identifier_system(kind, namespace=namespace)
            params = {"identifier": f"{system}|", "_count": "200"}
            hits = {r["id"] async for r in client.search(resource_type, params, no_cache=True)}
            assert hits, (kind, namespace)
            assert hits <= tagged[namespace][resource_type]
            assert hits.isdisjoint(tagged[other][resource_type])


async def test_a_case_read_back_from_its_namespace_is_the_case_pushed(client, two_namespaces):
    one, _, _ = two_namespaces
    entries = case_to_bundle(CASES[0], namespace=one)["entry"]
    keys = [(e["resource"]["resourceType"], e["resource"]["id"]) for e in entries]
    resources = [await client.read(kind, rid) for kind, rid in keys]
    assert bundle_to_case(resources, namespace=one) == CASES[0]


async def test_clean_removes_one_namespace_entirely_and_nothing_of_the_other(
    client, two_namespaces, tmp_path
):
    one, two, expected = two_namespaces
    with Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}") as ledger:
        _remember(ledger, client.base.url, await _on_server(client, one))
        dry = await clean_namespace(client, one, dry_run=True, ledger=ledger)
        assert (dry.method, _counts(dict(dry.found))) == ("dry run", expected)
        assert _counts(await _on_server(client, one)) == expected

        report = await clean_namespace(client, one, ledger=ledger)
        assert report.method == "conditional delete"
        assert _counts(dict(report.found)) == expected
        assert report.complete
        assert report.forgotten == sum(expected.values())
        assert ledger.counts(client.base.url).entries_by_type == {}

    assert await _on_server(client, one) == {}
    assert _counts(await _on_server(client, two)) == expected
    again = await clean_namespace(client, one)
    assert (again.method, dict(again.found), again.complete) == ("nothing to delete", {}, True)


async def test_clean_by_id_in_small_chunks_gets_through_the_reference_cycles(
    client, two_namespaces
):
    one, two, expected = two_namespaces
    report = await clean_namespace(client, one, conditional=False, max_entries=7)
    assert report.method == "delete by id"
    assert report.complete
    assert await _on_server(client, one) == {}
    assert _counts(await _on_server(client, two)) == expected


def test_cli_dry_run_lists_and_deletes_nothing_then_clean_twice(
    fhir_base_url, two_namespaces, tmp_path, monkeypatch
):
    one, two, expected = two_namespaces
    monkeypatch.setenv("ADAPTER_LEDGER_URL", f"sqlite:///{tmp_path / 'ledger.db'}")
    base = ["sandbox", "clean", "--server", fhir_base_url, "--namespace", one]

    dry = CliRunner().invoke(app, [*base, "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    listed = json.loads(dry.stdout)
    assert _counts(listed["found"]) == expected
    assert listed["method"] == "dry run"

    first = CliRunner().invoke(app, base)
    assert first.exit_code == 0, first.output
    assert f"deleted {sum(expected.values())} resource(s)" in first.stdout
    second = CliRunner().invoke(app, base)
    assert second.exit_code == 0, second.output
    assert "nothing of this namespace on the server" in second.stdout

    untouched = CliRunner().invoke(app, [*base[:-1], two, "--dry-run", "--json"])
    assert _counts(json.loads(untouched.stdout)["found"]) == expected


def _remember(ledger: Ledger, server: str, found: dict[str, set[str]]) -> None:
    run = ledger.start_run(RunKind.PUSH, server)
    results = [
        SyncedResource(kind, rid, "1", "0" * 64) for kind, ids in found.items() for rid in ids
    ]
    ledger.record_success(run.id, server, "CM-ANY", results)

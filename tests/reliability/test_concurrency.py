"""Two ``adapter push`` processes at once, sharing a ledger and a namespace, pushing overlapping
cases. The fault proxy holds every transaction until both processes have four in flight, then
lets them all go together, so the same resources really are written by both at the same moment.

- different fields of one resource changed by each process: both changes end up on the server
  (409, read, three-way merge, written again), the conflict recorded as resolved;
- the same field changed differently: the server keeps one value and the other is listed as an
  open conflict with a dead letter, never silently overwritten;
- the same new cases created by both: each resource exists once;
- and the ledger agrees with the server on every resource's version.
"""

from __future__ import annotations

import asyncio
import copy
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from adapter.fhir import open_client
from adapter.mappings.bundle import case_to_resources
from adapter.model.validation import parse_case
from adapter.settings import load_settings
from adapter.sync.ledger import Ledger
from adapter.sync.ledger.schema import ReasonCode
from tests.reliability.cli_support import (
    CliRunnerFor,
    Installation,
    generated,
    installation,
    landing,
    push_process,
    write_cases,
)
from tests.reliability.faultproxy import FaultProxy
from tests.reliability.faults import Fault, RequestInfo
from tests.reliability.invariants import server_holdings

pytestmark = pytest.mark.integration

CONCURRENCY = 4


def hold_transactions(info: RequestInfo) -> Fault:
    return Fault.HOLD if info.method == "POST" else Fault.PASS


def variant(case: dict[str, Any], *, language: str | None = None, family: str | None = None):
    new = copy.deepcopy(case)
    if language is not None:
        new["client"]["language"] = language
    if family is not None:
        new["client"]["name"]["family"] = family
    return new


def patient_key(case: dict[str, Any], namespace: str) -> tuple[str, str]:
    resources = case_to_resources(parse_case(case), namespace=namespace)
    return next(("Patient", r["id"]) for r in resources if r["resourceType"] == "Patient")


def race(proxy: FaultProxy, runs: list[tuple[Path, Installation]]) -> tuple[list[int], str]:
    """Start one ``adapter push`` per (folder, installation) and let their transactions go only
    when every process has ``CONCURRENCY`` of them waiting at the proxy."""
    processes = [push_process(folder, where, concurrency=CONCURRENCY) for folder, where in runs]
    try:
        proxy.wait_for(lambda seen: seen.get("hold", 0) >= len(runs) * CONCURRENCY, timeout=120)
    finally:
        proxy.release()
    outputs = [p.communicate(timeout=120)[0].decode() for p in processes]
    return [p.returncode for p in processes], "\n".join(outputs)


def test_two_processes_pushing_overlapping_cases_lose_nothing_and_duplicate_nothing(
    fhir_base_url: str, tmp_path: Path, cli: CliRunnerFor
):
    base = generated(8, prefix="CONC")
    fresh = generated(12, prefix="CONC")[8:]
    # Cases 0-1: each process changes another field; 2-3: both change the same field.
    ours = [variant(base[0], language="fr"), variant(base[1], language="fr"),
            variant(base[2], family="Alpha"), variant(base[3], family="Alpha")]  # fmt: skip
    theirs = [variant(base[0], family="Beta"), variant(base[1], family="Beta"),
              variant(base[2], family="Beta"), variant(base[3], family="Beta")]  # fmt: skip
    with FaultProxy(fhir_base_url, lifetime=300) as proxy:
        where = installation(proxy.url, tmp_path, "conc")
        code, output = cli(where, "push", str(write_cases(tmp_path / "base", base)))
        assert code == 0, output
        proxy.set_plan(hold_transactions)
        codes, output = race(
            proxy,
            [(write_cases(tmp_path / "a", [*ours, *fresh]), where),
             (write_cases(tmp_path / "b", [*theirs, *fresh]), where)],
        )  # fmt: skip
    after = landing(fhir_base_url, where, [*ours, *base[4:], *fresh])
    raced = {patient_key(case, where.namespace) for case in ours}
    assert not after.missing, after.describe()
    assert not after.unexpected, after.describe()
    assert not after.duplicates, after.describe()
    assert not after.ledger_mismatch, after.describe()
    assert set(after.wrong_content) <= raced, after.describe()
    patients = _patients(fhir_base_url, where.namespace)
    with Ledger.open(where.ledger_url) as ledger:
        _both_changes_kept(ledger, patients, ours[:2], where.namespace)
        _conflict_listed(ledger, patients, ours[2:], where.namespace)
    # The process that lost a same-field race says so in its exit status.
    assert sorted(codes) in ([0, 1], [1, 1]), output


def _both_changes_kept(
    ledger: Ledger, patients: dict[tuple[str, str], dict[str, Any]], cases: list[Any], ns: str
) -> None:
    for case in cases:
        held = patients[patient_key(case, ns)]
        assert held["communication"][0]["language"]["coding"][0]["code"] == "fr"
        assert held["name"][0]["family"] == "Beta"
    resolved = [c for c in ledger.conflicts(open_only=False) if c.resolved_at is not None]
    assert {c.case_id for c in resolved} >= {case["id"] for case in cases}


def _conflict_listed(
    ledger: Ledger, patients: dict[tuple[str, str], dict[str, Any]], cases: list[Any], ns: str
) -> None:
    for case in cases:
        assert patients[patient_key(case, ns)]["name"][0]["family"] in ("Alpha", "Beta")
        open_conflicts = ledger.conflicts(case_id=case["id"])
        assert [c.resource_type for c in open_conflicts] == ["Patient"]
        assert any("name" in f for f in open_conflicts[0].fields)
        letters = [d for d in ledger.dead_letters() if d.case_id == case["id"]]
        assert [d.reason for d in letters] == [ReasonCode.CONFLICT]


def _patients(direct_url: str, namespace: str) -> dict[tuple[str, str], dict[str, Any]]:
    async def read() -> dict[tuple[str, str], dict[str, Any]]:
        async with open_client(load_settings(fhir_base_url=direct_url)) as client:
            return await server_holdings(client, namespace, ["Patient"])

    return asyncio.run(read())


def test_two_installations_with_their_own_ledgers_create_the_same_cases_once(
    fhir_base_url: str, tmp_path: Path
):
    cases = generated(8, prefix="TWIN")
    folder = write_cases(tmp_path / "cases", cases)
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    with FaultProxy(fhir_base_url, hold_transactions, lifetime=300) as proxy:
        one = installation(proxy.url, tmp_path / "one", "twin")
        two = replace(one, ledger_url=f"sqlite:///{tmp_path / 'two' / 'ledger.sqlite'}")
        codes, output = race(proxy, [(folder, one), (folder, two)])
    assert codes == [0, 0], output
    for where in (one, two):
        after = landing(fhir_base_url, where, cases)
        assert after.exact, after.describe()

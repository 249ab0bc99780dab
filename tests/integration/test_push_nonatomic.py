"""A server whose transactions are not atomic (issue 15): the real HAPI behind a proxy that
forwards a transaction as a batch and answers 400 when an entry failed, though the entries
before it stay applied (tests/integration/fhir_proxy.py; HAPI cannot do this itself).

The issue's case: a case is closed (episode finished, goals, plan and tasks completed) and the
server applies the episode, then refuses a Goal. Before, the adapter re-sent the episode with
its old If-Match (409), dead-lettered everything as a conflict and left the plan and tasks open
on every run after. Now it reads back, records what landed, sends only the rest on the versions
the server holds, and converges in one run; the run after sends only what the server refuses.
"""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from adapter.cli import app
from adapter.fhir import open_client
from adapter.mappings.bundle import case_to_resources
from adapter.model.validation import parse_case
from adapter.settings import load_settings
from adapter.sync.ledger import Ledger
from adapter.sync.push.run import CaseInput, push_cases
from tests.integration.fhir_proxy import Faults, faulty_fhir, private_installation
from tests.integration.push_support import fresh_cases, write_cases

pytestmark = pytest.mark.integration

CLOSING = ("EpisodeOfCare", "CarePlan", "Goal", "Task")


def closed(case: dict[str, Any]) -> dict[str, Any]:
    """The case closed: goals completed (or cancelled), plan completed, tasks done."""
    done = copy.deepcopy(case)
    done.update(status="closed", closed_on="2024-05-01", closure_reason="goals-achieved")
    for goal in done["plan"]["goals"]:
        active = goal.get("lifecycle") == "active"
        goal["lifecycle"] = "completed" if active else "cancelled"
        goal.update({"achievement": "achieved"} if active else {})
    done["plan"]["status"] = "completed"
    for task in done["tasks"]:
        task["status"] = "completed" if task["status"] == "in-progress" else "cancelled"
    return done


def on_server(base: str, case: dict[str, Any], namespace: str) -> dict[str, list[str]]:
    """Per type of the closing, ``status@version`` of each resource HAPI holds."""
    found: dict[str, list[str]] = {}
    with httpx.Client(base_url=base, timeout=60) as http:
        for resource in case_to_resources(parse_case(case), namespace=namespace):
            kind = resource["resourceType"]
            if kind in CLOSING:
                held = http.get(f"/{kind}/{resource['id']}").json()
                status = held.get("status") or held.get("lifecycleStatus")
                found.setdefault(kind, []).append(f"{status}@{held['meta']['versionId']}")
    return found


def transactions_in(requests: list[str]) -> list[str]:
    return [r for r in requests if r.startswith("POST ") and "entries" in r]


def version_conflicts(faults: Faults) -> list[str]:
    return [r for r in faults.requests if r.endswith(("-> 409", "-> 412"))]


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    return private_installation(tmp_path, monkeypatch, "na")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout


def test_ping_learns_the_server_is_not_atomic_and_push_converges_without_a_stale_if_match(
    fhir_base_url: str, env: dict[str, str], tmp_path: Path
):
    [case] = fresh_cases(1)
    namespace = env["ADAPTER_NAMESPACE"]
    faults = Faults()  # a plain proxy first: the case is created whole
    with faulty_fhir(fhir_base_url, faults) as base:
        env["ADAPTER_FHIR_BASE_URL"] = base
        code, _ = run("push", str(write_cases(tmp_path / "open", [case])), "--server", base)
        assert code == 0

        faults.nonatomic = True
        code, out = run("ping", "--server", base, "--json")
        assert code == 0, out
        assert json.loads(out)["profile"]["atomic"] is False

        # The server now refuses every Goal (a validator bug of its own), after applying what
        # came before it in the transaction.
        faults.refuse, faults.refuse_code = frozenset({"Goal"}), "processing"
        folder = write_cases(tmp_path / "closed", [closed(case)])
        faults.requests.clear()
        code, out = run("push", str(folder), "--server", base)
        first = list(faults.requests)
        assert code == 1
        assert "1 failed; resources: 7 written, 26 unchanged" in out, out
        held = on_server(fhir_base_url, case, namespace)
        # everything but the goals landed, each once (version 2), none of it left open
        assert held["EpisodeOfCare"] == ["finished@2"]
        assert held["CarePlan"] == ["completed@2"]
        assert sorted(held["Task"]) == ["cancelled@2", "cancelled@2", "completed@2"]
        assert all(goal.endswith("@1") for goal in held["Goal"])

        assert not version_conflicts(faults)

        faults.requests.clear()
        faults.sent.clear()
        code, out = run("push", str(folder), "--server", base)
        second = list(faults.requests)
        assert code == 1
        assert "resources: 0 written, 33 unchanged" in out, out
        # only the refused goals go again, never what landed
        assert {entry.split("/")[0] for entry in faults.sent} == {"Goal"}
        assert on_server(fhir_base_url, case, namespace) == held

        faults.refuse = frozenset()  # the server's bug is fixed: the goals land, once
        faults.requests.clear()
        code, out = run("push", str(folder), "--server", base)
        assert code == 0, out
        assert "resources: 3 written" in out
        code, out = run("push", str(folder), "--server", base)
        assert code == 0, out
        assert "resources: 0 written, 36 unchanged" in out, out
    assert not version_conflicts(faults)
    print(f"\nnon-atomic, goals refused: run 1 {len(first)} requests "
          f"({len(transactions_in(first))} transactions), run 2 {len(second)} "
          f"({len(transactions_in(second))} transactions)")  # fmt: skip


async def test_a_transient_refusal_on_a_non_atomic_server_lands_the_whole_case_in_one_run(
    fhir_base_url: str, tmp_path: Path
):
    [case] = fresh_cases(1)
    namespace = f"na-{uuid.uuid4().hex[:12]}"
    faults = Faults()
    with (
        faulty_fhir(fhir_base_url, faults) as base,
        Ledger.open(f"sqlite:///{tmp_path / 'l.sqlite'}") as ledger,
    ):
        settings = load_settings(fhir_base_url=base, fhir_atomic_transactions=False)
        async with open_client(settings) as client:

            async def push(document: dict[str, Any]) -> Any:
                item = CaseInput(case["id"], document, "test")
                report = await push_cases([item], client=client, ledger=ledger, namespace=namespace)
                return report.cases[0]

            assert (await push(case)).ok
            faults.nonatomic, faults.refuse, faults.refuse_times = True, frozenset({"Goal"}), 1
            faults.requests.clear()
            outcome = await push(closed(case))
            first = list(faults.requests)
            assert (outcome.ok, outcome.written, outcome.failed) == (True, 10, 0)
            faults.requests.clear()
            again = await push(closed(case))
            assert (again.written, len(faults.requests)) == (0, 1)  # the marker's GET only
    held = on_server(fhir_base_url, case, namespace)
    assert held["EpisodeOfCare"] == ["finished@2"]
    assert held["CarePlan"] == ["completed@2"]
    assert all(item.endswith("@2") for item in held["Goal"] + held["Task"])
    # one transaction applied in part, one search per type read back, the rest sent once
    assert transactions_in(first) == [
        "POST /fhir (10 entries) -> 400",
        "POST /fhir (9 entries) -> 200",
    ]
    assert sum(r.startswith("GET ") and "/Basic/" not in r for r in first) == 6
    assert not version_conflicts(faults)
    print(f"\nnon-atomic, one refusal: run 1 {len(first)} requests, run 2 1 request")

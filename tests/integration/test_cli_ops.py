"""The operator's CLI against the real HAPI: push --dry-run (nothing sent, ledger untouched),
push --diff, cases on stdin, dlq retry from another directory, explain's conflict rows read
from the server, and every --json shape's keys (docs/cli-json.md)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from adapter.cli import app
from adapter.fhir import open_client
from adapter.settings import ledger_url_of, load_settings
from adapter.sync.ledger import Ledger, NewConflict, ResourceKey, RunKind
from tests.integration.push_support import fresh_cases, server_counts, write_cases

pytestmark = pytest.mark.integration

PUSH_KEYS = {"run_id", "server", "namespace", "all_ok", "summary", "cases", "ledger_problem"}
CASE_KEYS = {
    "case_id", "status", "written", "unchanged", "failed", "merged", "conflicts", "restored",
    "reason", "message", "taken_from_server", "kept", "referral_tasks_pending",
}  # fmt: skip
LETTER_KEYS = {
    "id", "case_id", "server_url", "reason", "open", "http_status", "server_code", "message",
    "server_says", "attempts", "first_at", "last_at", "resolved_at", "resolution",
}  # fmt: skip


@pytest.fixture
def env(fhir_base_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {
        "ADAPTER_FHIR_BASE_URL": fhir_base_url,
        "ADAPTER_LEDGER_URL": str(tmp_path / "ledger.sqlite"),  # a plain path, not a URL
        "ADAPTER_NAMESPACE": f"ops-{uuid.uuid4().hex[:12]}",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def run(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout


def run_json(*args: str, stdin: str | None = None) -> tuple[int, Any]:
    code, out = run(*args, "--json", stdin=stdin)
    return code, json.loads(out)


def fingerprint(directory: Path) -> dict[str, str]:
    """Every file of the ledger's directory by name and content hash."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.iterdir())
        if p.name.startswith("ledger.sqlite")
    }


def on_server(env: dict[str, str], cases: list[dict[str, Any]]) -> int:
    async def count() -> int:
        settings = load_settings(fhir_base_url=env["ADAPTER_FHIR_BASE_URL"])
        async with open_client(settings) as client:
            found = await server_counts(client, cases, env["ADAPTER_NAMESPACE"])
        return sum(found.values())

    return asyncio.run(count())


def episode(env: dict[str, str], case_id: str) -> dict[str, Any]:
    """The case's EpisodeOfCare as the server holds it now."""
    with Ledger.open(ledger_url_of(env["ADAPTER_LEDGER_URL"])) as ledger:
        [entry] = [
            e for e in ledger.claimed(env["ADAPTER_FHIR_BASE_URL"], [case_id])
            if e.resource_type == "EpisodeOfCare"
        ]  # fmt: skip
    url = f"{env['ADAPTER_FHIR_BASE_URL']}/EpisodeOfCare/{entry.resource_id}"
    answer = httpx.get(url, timeout=30)
    answer.raise_for_status()
    return dict(answer.json())


def test_dry_run_plans_every_case_and_touches_neither_server_nor_ledger(
    env: dict[str, str], tmp_path: Path
):
    pushed, new = fresh_cases(2), fresh_cases(1)[0]
    folder = write_cases(tmp_path / "cases", pushed)
    assert run("push", str(folder))[0] == 0
    changed = pushed[0]
    changed["plan"]["goals"][0]["description"] = "Walk to the mailbox daily"
    write_cases(folder, [changed, new])
    ledger_before = fingerprint(tmp_path)
    version_before = episode(env, changed["id"])["meta"]["versionId"]

    code, plan = run_json("push", str(folder), "--dry-run")

    assert code == 0
    assert set(plan) == {"dry_run", "server", "namespace", "totals", "cases"}
    assert plan["namespace"] == env["ADAPTER_NAMESPACE"]
    by_case = {case["case_id"]: case for case in plan["cases"]}
    assert set(by_case[new["id"]]) == {
        "case_id", "source", "status", "create", "update", "unchanged", "problem",
    }  # fmt: skip
    assert by_case[new["id"]]["status"] == "would-write"
    assert by_case[new["id"]]["update"] == {}
    assert by_case[new["id"]]["create"]["EpisodeOfCare"] == 1
    assert by_case[changed["id"]]["status"] == "would-write"
    assert by_case[changed["id"]]["update"] == {"Goal": 1}
    assert by_case[changed["id"]]["create"] == {}
    assert by_case[pushed[1]["id"]]["status"] == "unchanged"
    assert plan["totals"]["cases_would_write"] == 2
    # Nothing sent, nothing recorded: same ledger bytes, the new case absent on the server,
    # the changed one still at its version.
    assert fingerprint(tmp_path) == ledger_before
    assert on_server(env, [new]) == 0
    assert episode(env, changed["id"])["meta"]["versionId"] == version_before
    # Not even a connection: a dry run against a port nobody listens on plans too (a server
    # the ledger has never written to: everything would be created there).
    code, text = run("push", str(folder), "--dry-run", "--server", "http://127.0.0.1:9/fhir")
    assert code == 0
    assert "3 would be written, 0 unchanged, 0 invalid" in text
    assert fingerprint(tmp_path) == ledger_before


def test_dry_run_without_a_ledger_creates_none_and_names_invalid_cases(
    env: dict[str, str], tmp_path: Path
):
    good, bad = fresh_cases(2)
    bad["plan"]["goals"][0]["lifecycle"] = "someday"
    folder = write_cases(tmp_path / "cases", [good, bad])

    code, text = run("push", str(folder), "--dry-run")

    assert code == 1
    assert f"case {bad['id']}: invalid: case {bad['id']}: plan.goals[0].lifecycle:" in text
    assert "1 would be written, 0 unchanged, 1 invalid" in text
    assert not (tmp_path / "ledger.sqlite").exists()


def test_diff_shows_fields_changed_on_the_server(env: dict[str, str], tmp_path: Path):
    [case] = fresh_cases(1)
    code, out = run("push", "-", stdin=json.dumps(case))  # stdin
    assert code == 0, out
    assert run("push", "--diff", case["id"])[0] == 0
    held = episode(env, case["id"])
    held["status"] = "onhold"
    url = f"{env['ADAPTER_FHIR_BASE_URL']}/EpisodeOfCare/{held['id']}"
    httpx.put(url, json=held, timeout=30).raise_for_status()

    code, diff = run_json("push", "--diff", case["id"])

    assert code == 1
    assert set(diff) == {"case_id", "server", "resources"}
    [changed] = [r for r in diff["resources"] if r["state"] != "same"]
    assert set(changed) == {"resource", "state", "server_version", "fields"}
    assert changed["resource"] == f"EpisodeOfCare/{held['id']}"
    assert {"field": "status", "stored": held_status(case), "server": "onhold"} in changed["fields"]
    code, text = run("push", "--diff", case["id"])
    assert code == 1
    assert "EpisodeOfCare/" in text
    assert "differs (server version 2)" in text


def held_status(case: dict[str, Any]) -> str:
    from adapter.mappings.bundle import case_to_resources
    from adapter.model.validation import parse_case

    [eoc] = [
        r for r in case_to_resources(parse_case(case), namespace=os.environ["ADAPTER_NAMESPACE"])
        if r["resourceType"] == "EpisodeOfCare"
    ]  # fmt: skip
    return str(eoc["status"])


def test_dlq_retry_works_from_another_directory_and_json_shapes(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    first, second = tmp_path / "first", tmp_path / "second"
    second.mkdir()
    good, bad = fresh_cases(2)
    bad["plan"]["goals"][0]["lifecycle"] = "someday"
    write_cases(first / "cases", [good, bad])
    monkeypatch.chdir(first)
    code, pushed = run_json("push", "cases")  # a relative path
    assert code == 1
    assert set(pushed) == PUSH_KEYS
    assert {case["status"] for case in pushed["cases"]} == {"written", "failed"}
    assert all(set(case) == CASE_KEYS for case in pushed["cases"])
    code, listing = run_json("dlq", "list")
    [letter] = listing["dead_letters"]
    assert set(letter) == LETTER_KEYS
    assert letter["reason"] == "invalid-input"
    assert run_json("dlq", "show", str(letter["id"]))[1] == letter
    bad["plan"]["goals"][0]["lifecycle"] = "active"
    write_cases(first / "cases", [bad])

    monkeypatch.chdir(second)  # elsewhere: the letter's source path is absolute
    code, retried = run_json("dlq", "retry", "--all")

    assert code == 0, retried
    assert set(retried) == {*PUSH_KEYS, "not_retried"}
    assert retried["not_retried"] == []
    assert [case["status"] for case in retried["cases"]] == ["written"]
    code, status = run_json("status")
    assert set(status) == {
        "runs", "pull_watermarks", "resources", "resources_by_type", "resources_failing",
        "runs_running", "open_dead_letters", "open_dead_letters_by_reason", "open_conflicts",
        "unanswered_referrals",
    }  # fmt: skip
    assert status["open_dead_letters"] == 0
    assert set(status["runs"][0]) == {
        "id", "kind", "status", "server_url", "started_at", "finished_at", "cases_total",
        "cases_ok", "cases_failed", "resources_written", "resources_unchanged",
    }  # fmt: skip
    code, verified = run_json("verify")
    assert code == 0
    assert {"cases", "resources", "missing", "changed", "repaired", "cases_not_ok"} <= set(verified)
    code, pulled = run_json("pull")
    assert code == 0
    assert {"run_id", "server", "namespace", "cases", "not_stored", "failures"} <= set(pulled)
    assert {"entries_read", "conflicts", "watermark"} <= set(pulled)
    code, imported = run_json(
        "import",
        "--out",
        str(tmp_path / "imported"),
        "--patient",
        held_patient(env, good),
        "--own-data",
        "include",  # the case this installation pushed
    )
    assert code == 0, imported
    assert {"patients", "imported", "failed"} <= set(imported)


def held_patient(env: dict[str, str], case: dict[str, Any]) -> str:
    return str(episode(env, case["id"])["patient"]["reference"]).split("/")[-1]


def test_explain_shows_a_conflict_as_field_local_and_server(env: dict[str, str]):
    [case] = fresh_cases(1)
    assert run("push", "-", stdin=json.dumps(case))[0] == 0
    held = episode(env, case["id"])
    ours = held_status(case)
    held["status"] = "onhold"
    url = f"{env['ADAPTER_FHIR_BASE_URL']}/EpisodeOfCare/{held['id']}"
    answer = httpx.put(url, json=held, timeout=30)
    answer.raise_for_status()
    server_version = answer.json()["meta"]["versionId"]
    with Ledger.open(ledger_url_of(env["ADAPTER_LEDGER_URL"])) as ledger:
        server = env["ADAPTER_FHIR_BASE_URL"]
        run_id = ledger.start_run(RunKind.PULL, server).id
        conflict = NewConflict(
            ResourceKey("EpisodeOfCare", held["id"]), "1", server_version, ("status",),
            {"kind": "case-management-owned", "message": "status changed on the server"},
        )  # fmt: skip
        ledger.record_pulled(run_id, server, case["id"], document=None, results=[],
                             conflicts=[conflict])  # fmt: skip

    code, text = run("explain", case["id"])
    assert code == 0
    assert "(case-management-owned)" in text
    assert "c, a, s, e" not in text
    assert text.count("field") == 1
    assert "local" in text
    assert f'"{ours}"' in text
    assert "not read: --read-server" in text

    code, explained = run_json("explain", case["id"], "--read-server")
    assert set(explained) == {"case_id", "stored", "attempts", "dead_letters", "conflicts"}
    [shown] = explained["conflicts"]
    assert shown["fields"] == [{"field": "status", "local": ours, "server": "onhold"}]
    assert shown["kind"] == "case-management-owned"
    assert {"at", "run_id", "outcome", "resources"} <= set(explained["attempts"][0])

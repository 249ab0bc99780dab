"""Per-server resource selection on the real HAPI (issue 15): a case lands without the optional
types a server does not take, says so, and is never sent again in a loop. The server that
refuses a type, or does not declare it, is the real HAPI behind tests/integration/fhir_proxy.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from adapter.canonical import NAMESPACE_TAG_SYSTEM
from adapter.cli import app
from adapter.sync.ledger import Ledger
from adapter.sync.push.selection import REFUSED_KEY_PREFIX, WRITTEN_TYPES
from tests.integration.fhir_proxy import Faults, faulty_fhir, private_installation
from tests.integration.push_support import expected_counts, fresh_cases, write_cases

pytestmark = pytest.mark.integration


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    return private_installation(tmp_path, monkeypatch, "sel")


def push(folder: Path, server: str) -> tuple[int, dict[str, Any]]:
    """The exit code and the summary of ``push --json`` (``failed``: the cases that failed)."""
    result = CliRunner().invoke(app, ["push", str(folder), "--server", server, "--json"])
    assert result.exit_code in (0, 1), result.output
    body = json.loads(result.stdout)  # docs/cli-json.md: the run's counts under "summary"
    failed = [case for case in body["cases"] if case["status"] == "failed"]
    return result.exit_code, {**body["summary"], "failed": failed}


def tagged(base: str, namespace: str) -> dict[str, int]:
    """Per written type, how many resources of this namespace HAPI holds (by tag)."""
    counts: dict[str, int] = {}
    with httpx.Client(base_url=base, timeout=60) as http:
        for kind in sorted(WRITTEN_TYPES):
            params = {"_tag": f"{NAMESPACE_TAG_SYSTEM}|{namespace}", "_summary": "count"}
            counts[kind] = http.get(f"/{kind}", params=params).json()["total"]
    return counts


def test_resource_types_setting_leaves_out_provenance_and_observation(
    fhir_base_url: str, env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    kept = sorted(WRITTEN_TYPES - {"Provenance", "Observation"})
    monkeypatch.setenv("ADAPTER_RESOURCE_TYPES", ",".join(kept))
    cases = fresh_cases(21)
    folder = write_cases(tmp_path / "cases", cases)
    namespace = env["ADAPTER_NAMESPACE"]
    expected = expected_counts(cases, namespace)

    code, first = push(folder, fhir_base_url)
    assert code == 0, first["failed"]
    assert first["left_out_types"] == ["Observation", "Provenance"]
    assert first["resources_left_out"] == expected["Observation"] + expected["Provenance"] > 0
    held = tagged(fhir_base_url, namespace)
    assert held["Observation"] == held["Provenance"] == 0
    # everything else landed, references to what was left out removed (HAPI checks them)
    assert {k: held[k] for k in kept if expected[k]} == {
        k: expected[k] for k in kept if expected[k]
    }

    code, again = push(folder, fhir_base_url)
    assert code == 0
    assert (again["resources_written"], again["cases_unchanged"]) == (0, 21)
    # the server holds exactly what the ledger recorded: a pull finds nothing to apply
    pulled = CliRunner().invoke(app, ["pull", "--server", fhir_base_url])
    assert pulled.exit_code == 0, pulled.output
    assert "0 changed resources" in pulled.stdout
    assert " 0 conflicts, 0 warnings" in pulled.stdout
    print(f"\nADAPTER_RESOURCE_TYPES: 21 cases, {first['resources_written']} written, "
          f"{first['resources_left_out']} left out; re-push 0 written")  # fmt: skip


def test_a_type_the_server_refuses_as_not_supported_is_learned_and_never_sent_again(
    fhir_base_url: str, env: dict[str, str], tmp_path: Path
):
    cases = fresh_cases(3)
    faults = Faults(refuse=frozenset({"Provenance"}))  # atomic: the whole transaction refused
    namespace = env["ADAPTER_NAMESPACE"]
    with faulty_fhir(fhir_base_url, faults) as base:
        code, first = push(write_cases(tmp_path / "a", cases[:2]), base)
        assert code == 0, first["failed"]
        assert first["left_out_types"] == ["Provenance"]
        assert first["cases_written"] == 2
        assert first["cases_failed"] == 0
        with Ledger.open(env["ADAPTER_LEDGER_URL"]) as ledger:
            assert ledger.get_setting(REFUSED_KEY_PREFIX + base) == '["Provenance"]'
            assert ledger.dead_letters(base) == []

        # Learned: the next case sends no Provenance at all, and a re-push sends nothing.
        faults.sent.clear()
        faults.requests.clear()
        code, second = push(write_cases(tmp_path / "b", cases), base)
        provenances = expected_counts(cases[2:], namespace)["Provenance"]
        assert code == 0
        assert second["resources_left_out"] == provenances
        assert [e for e in faults.sent if e.startswith("Provenance/")] == []
        assert len([r for r in faults.requests if "entries" in r]) == 1  # the new case only
        faults.requests.clear()
        code, third = push(write_cases(tmp_path / "b", cases), base)
        assert code == 0
        assert third["resources_written"] == 0
        assert not [r for r in faults.requests if "entries" in r]
        # ping tells what the ledger remembers (the proxy declares every type: no other line)
        pinged = CliRunner().invoke(app, ["ping", "--server", base])
        assert pinged.exit_code == 0, pinged.output
        assert "push: leaves out Provenance (refused earlier as not supported)" in pinged.stdout
        assert pinged.stdout.count("push: leaves out") == 1
    assert tagged(fhir_base_url, namespace)["Provenance"] == 0


def test_a_type_the_capability_statement_does_not_declare_is_left_out_after_ping(
    fhir_base_url: str, env: dict[str, str], tmp_path: Path
):
    [case] = fresh_cases(1)
    faults = Faults(hide=frozenset({"Provenance", "Communication"}))
    with faulty_fhir(fhir_base_url, faults) as base:
        result = CliRunner().invoke(app, ["ping", "--server", base, "--json"])
        assert result.exit_code == 0, result.output
        profile = json.loads(result.stdout)["profile"]
        assert "Provenance" not in profile["writable_types"]
        assert "Task" in profile["writable_types"]
        assert profile["choices"]["left_out"] == {
            "Communication": "not updatable here",
            "Provenance": "not updatable here",
        }
        printed = CliRunner().invoke(app, ["ping", "--server", base])
        assert printed.exit_code == 0, printed.output
        line = "push: leaves out Communication, Provenance (not updatable here)"
        assert line in printed.stdout
        code, summary = push(write_cases(tmp_path / "c", [case]), base)
    assert code == 0, summary["failed"]
    assert summary["left_out_types"] == ["Communication", "Provenance"]
    held = tagged(fhir_base_url, env["ADAPTER_NAMESPACE"])
    assert held["Provenance"] == held["Communication"] == 0
    assert held["Task"] == 3
    assert not [e for e in faults.sent if e.startswith(("Provenance/", "Communication/"))]

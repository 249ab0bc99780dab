"""The push-side CLI against the real HAPI: push, status, explain, dlq, demo, and a push killed
with SIGKILL that is simply run again. Synchronous tests: the commands run their own loop."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from adapter.cli import app
from adapter.fhir import open_client
from adapter.settings import load_settings
from adapter.sync.ledger import Ledger, RunStatus
from tests.integration.push_support import (
    expected_counts,
    fresh_cases,
    server_counts,
    write_cases,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def env(fhir_base_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A private ledger and namespace for the commands of one test."""
    values = {
        "ADAPTER_FHIR_BASE_URL": fhir_base_url,
        "ADAPTER_LEDGER_URL": f"sqlite:///{tmp_path / 'ledger.sqlite'}",
        "ADAPTER_NAMESPACE": f"it-{uuid.uuid4().hex[:12]}",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


async def counts_on_server(
    env: dict[str, str], cases: list[dict[str, Any]]
) -> tuple[Counter[str], Counter[str]]:
    namespace = env["ADAPTER_NAMESPACE"]
    async with open_client(load_settings(fhir_base_url=env["ADAPTER_FHIR_BASE_URL"])) as client:
        found = await server_counts(client, cases, namespace)
    return found, expected_counts(cases, namespace)


def test_invalid_cases_are_dead_letters_and_land_after_the_file_is_fixed(
    env: dict[str, str], tmp_path: Path
):
    good = fresh_cases(2)
    bad = fresh_cases(1)[0]
    bad["plan"]["goals"][0]["lifecycle"] = "someday"
    folder = write_cases(tmp_path / "cases", [*good, bad])

    code, output = run("push", str(folder))

    assert code == 1
    assert "2 written, 0 unchanged, 1 failed" in output
    assert f"case {bad['id']}: plan.goals[0].lifecycle:" in output
    code, listing = run("dlq", "list")
    assert "[invalid-input]" in listing
    assert bad["id"] in listing
    bad["plan"]["goals"][0]["lifecycle"] = "active"
    write_cases(folder, [bad])
    code, output = run("dlq", "retry", "--all")
    assert code == 0, output
    assert "1 written, 0 unchanged, 0 failed" in output
    assert "0 dead letter(s) open" in run("dlq", "list")[1]
    found, expected = asyncio.run(counts_on_server(env, [*good, bad]))
    assert found == expected


def test_status_and_explain_tell_what_happened(env: dict[str, str], tmp_path: Path):
    cases = fresh_cases(2)
    folder = write_cases(tmp_path / "cases", cases)
    assert run("push", str(folder))[0] == 0
    assert run("push", str(folder), "--concurrency", "1")[0] == 0

    code, status = run("status")
    assert code == 0
    assert "cases 2 ok, 0 failed of 2" in status
    assert "open dead letters: 0" in status
    code, story = run("explain", cases[0]["id"])
    assert code == 0
    assert story.count(" written ") >= 1
    assert " unchanged " in story
    assert f"source {folder / (cases[0]['id'] + '.json')}" in story
    code, output = run("explain", "NO-SUCH-CASE")
    assert code == 1
    assert "knows nothing about case NO-SUCH-CASE" in output


def test_push_of_a_missing_path_is_one_line_and_exit_2(env: dict[str, str], tmp_path: Path):
    code, output = run("push", str(tmp_path / "nowhere"))
    assert code == 2
    assert "no such file or directory" in output
    assert "Traceback" not in output


def test_demo_pushes_the_examples_and_reads_them_back(env: dict[str, str]):
    code, output = run("demo", "--server", env["ADAPTER_FHIR_BASE_URL"])
    assert code == 0, output
    assert "26 cases" in output
    rows = [line.split("│")[1:4] for line in output.splitlines() if line.count("│") == 4]
    assert rows
    assert all(expected.strip() == found.strip() for _, expected, found in rows)
    assert "/EpisodeOfCare/cm-case-" in output


def _push_process(folder: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    executable = Path(sys.executable).with_name("adapter")
    command = [str(executable), "push", str(folder), "--concurrency", "2"]
    return subprocess.Popen(
        command, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _wait_for_landed_cases(
    ledger_url: str, at_least: int, process: subprocess.Popen[bytes]
) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        with Ledger.open(ledger_url) as ledger:
            runs = ledger.runs(1)
        if runs and runs[0].cases_ok >= at_least:
            return
        time.sleep(0.2)
    pytest.fail("the push never got going (or finished before it could be killed)")


def test_push_killed_mid_run_completes_on_rerun_without_duplicates(
    env: dict[str, str], tmp_path: Path
):
    cases = fresh_cases(40)
    folder = write_cases(tmp_path / "cases", cases)
    process = _push_process(folder, env)
    _wait_for_landed_cases(env["ADAPTER_LEDGER_URL"], 3, process)
    process.send_signal(signal.SIGKILL)
    process.wait()

    code, output = run("push", str(folder))

    assert code == 0, output
    found, expected = asyncio.run(counts_on_server(env, cases))
    assert found == expected
    with Ledger.open(env["ADAPTER_LEDGER_URL"]) as ledger:
        first, second = sorted(ledger.runs(5), key=lambda r: r.id)
    assert first.status is RunStatus.INTERRUPTED
    assert 3 <= first.cases_ok < 40
    assert second.status is RunStatus.COMPLETED
    assert second.cases_ok == 40
    total = sum(expected.values())
    assert second.resources_written + second.resources_unchanged == total
    # What the killed run recorded is not sent again; what it sent unrecorded is a no-op.
    assert second.resources_unchanged >= first.resources_written

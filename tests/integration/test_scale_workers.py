"""Several push workers on one PostgreSQL ledger against the real HAPI (docs/scale.md).

Two ``adapter push`` processes given the same cases share them through case leases: every
case is written by exactly one of them, the server holds no duplicate and agrees with the
ledger. A worker killed with SIGKILL leaves leases behind; another worker takes those cases
over once they expire. The production-like HAPI (server-assigned ids, conditional updates by
identifier) is where two writers racing on one case would make real duplicates.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapter.canonical import NAMESPACE_TAG_SYSTEM
from adapter.sync.ledger import Ledger, RunStatus
from tests.integration.fhir_proxy import Faults, faulty_fhir
from tests.integration.push_support import expected_counts, fresh_cases, write_cases
from tests.support.ledger import POSTGRES_URL
from tests.support.postgres import fresh_postgres_schema

pytestmark = pytest.mark.integration


@pytest.fixture
def pg_ledger_url() -> Iterator[str]:
    """A fresh schema on the test PostgreSQL (scripts/test starts it) for one test's ledger."""
    if POSTGRES_URL is None:
        pytest.fail("scale tests need PostgreSQL: run scripts/test, or eval "
                    '"$(scripts/postgres.sh start)"', pytrace=False)  # fmt: skip
    yield from fresh_postgres_schema(POSTGRES_URL, "scale")


@pytest.fixture(params=["default", pytest.param("production", marks=pytest.mark.production)])
def server(request: pytest.FixtureRequest) -> tuple[str, dict[str, str]]:
    """The server's URL and the settings to write to it (by server ids on the production-like)."""
    if request.param == "default":
        return str(request.getfixturevalue("fhir_base_url")), {}
    url = str(request.getfixturevalue("production_fhir_url"))
    return url, {"ADAPTER_FHIR_ID_STRATEGY": "server"}


def _env(server: str, ledger_url: str, **extra: str) -> dict[str, str]:
    return {
        "ADAPTER_FHIR_BASE_URL": server,
        "ADAPTER_LEDGER_URL": ledger_url,
        "ADAPTER_NAMESPACE": f"it-{uuid.uuid4().hex[:12]}",
        **extra,
    }


def _worker(folder: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    adapter = Path(sys.executable).with_name("adapter")
    command = [str(adapter), "push", str(folder), "--concurrency", "2", "--json"]
    return subprocess.Popen(
        command, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def _finished(process: subprocess.Popen[bytes]) -> dict[str, Any]:
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, out.decode()[-3000:] + err.decode()[-1000:]
    return dict(json.loads(out))


def _on_server(env: dict[str, str], cases: list[dict[str, Any]]) -> Counter[str]:
    """Per type, every resource the server holds under the test's namespace tag: a duplicate
    (two resources for one of ours) shows as one too many, whatever ids the server gave."""
    expected = expected_counts(cases, env["ADAPTER_NAMESPACE"])
    tag = f"{NAMESPACE_TAG_SYSTEM}|{env['ADAPTER_NAMESPACE']}"
    found: Counter[str] = Counter()
    with httpx.Client(base_url=env["ADAPTER_FHIR_BASE_URL"], timeout=120) as http:
        for kind in expected:
            answer = http.get(f"/{kind}", params={"_tag": tag, "_summary": "count"})
            answer.raise_for_status()
            found[kind] = int(answer.json()["total"])
    return found


def _verify(env: dict[str, str], cases: int) -> None:
    """``adapter verify --json``: every resource the ledger claims, read back from the server,
    agrees with it (ledger = server)."""
    adapter = Path(sys.executable).with_name("adapter")
    done = subprocess.run(
        [str(adapter), "verify", "--json"], env={**os.environ, **env}, capture_output=True,
        timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout.decode()[-2000:] + done.stderr.decode()[-2000:]
    found = json.loads(done.stdout)
    assert found["agrees"] is True
    assert (found["cases"], found["cases_ok"], found["missing"]) == (cases, cases, 0)


def test_two_workers_share_one_case_set_without_duplicates(
    server: tuple[str, dict[str, str]], pg_ledger_url: str, tmp_path: Path
) -> None:
    cases = fresh_cases(30)
    folder = write_cases(tmp_path / "cases", cases)
    faults = Faults()  # no fault: the proxy only notes every transaction entry that arrives
    with faulty_fhir(server[0], faults) as proxy:
        env = _env(proxy, pg_ledger_url, **server[1])
        first, second = _worker(folder, env), _worker(folder, env)
        reports = [_finished(first), _finished(second)]
        _verify(env, 30)  # ledger = server

    written = [r["summary"]["cases_written"] for r in reports]
    assert sum(written) == 30, written  # each case written by exactly one worker
    for report in reports:
        assert report["summary"]["cases_failed"] == 0
        assert report["summary"]["cases_held"] == 0
        assert report["summary"]["cases"] == 30  # the other's cases: found unchanged
    # Never sent by both (a POST of a Provenance names only its type: not counted).
    named = Counter(url for url in faults.sent if "/" in url or "?" in url)
    assert [url for url, times in named.items() if times > 1] == []
    found = _on_server({**env, "ADAPTER_FHIR_BASE_URL": server[0]}, cases)
    assert found == expected_counts(cases, env["ADAPTER_NAMESPACE"])  # no duplicate, none lost
    with Ledger.open(pg_ledger_url) as ledger:
        assert ledger.leases_held() == 0


def test_a_killed_workers_cases_are_taken_over_after_its_leases_expire(
    fhir_base_url: str, pg_ledger_url: str, tmp_path: Path
) -> None:
    # Enough cases that the run is still going when the ledger is first seen mid-run, on a
    # loaded CI machine too.
    cases = fresh_cases(80)
    folder = write_cases(tmp_path / "cases", cases)
    env = _env(fhir_base_url, pg_ledger_url, ADAPTER_LEASE_SECONDS="4")
    doomed = _worker(folder, env)
    held = _kill_while_holding(doomed, pg_ledger_url, [c["id"] for c in cases], fhir_base_url)

    started = time.monotonic()
    report = _finished(_worker(folder, env))

    assert report["summary"]["cases_failed"] == 0
    assert report["summary"]["cases_held"] == 0
    by_case = {case["case_id"]: case["status"] for case in report["cases"]}
    assert all(by_case[case_id] in ("written", "unchanged") for case_id in held)
    assert time.monotonic() - started >= 1.0  # it had to wait for the dead worker's leases
    found = _on_server(env, cases)
    assert found == expected_counts(cases, env["ADAPTER_NAMESPACE"])
    _verify(env, 80)
    with Ledger.open(pg_ledger_url) as ledger:
        assert ledger.leases_held() == 0
        statuses = sorted(str(run.status) for run in ledger.runs(5))
    assert statuses == [str(RunStatus.COMPLETED), str(RunStatus.INTERRUPTED)]


def _kill_while_holding(
    process: subprocess.Popen[bytes], ledger_url: str, case_ids: list[str], server: str
) -> list[str]:
    """SIGKILL ``process`` at a moment it holds at least one case lease; those cases' ids.

    The worker is frozen (SIGSTOP) before its leases are counted, so it cannot give them back
    between the count and the kill; found holding none, it is let go on (SIGCONT)."""
    deadline = time.monotonic() + 120
    with Ledger.open(ledger_url) as ledger:
        while time.monotonic() < deadline and process.poll() is None:
            runs = ledger.runs(1)
            if runs and runs[0].cases_ok >= 2 and ledger.leases_held(server) > 0:
                process.send_signal(signal.SIGSTOP)
                held = [c for c in case_ids if ledger.lease_holder(server, c) is not None]
                if held:
                    process.send_signal(signal.SIGKILL)
                    process.communicate()
                    return held
                process.send_signal(signal.SIGCONT)
            time.sleep(0.02)
    pytest.fail(f"the worker ended (exit {process.poll()}) before it was seen holding a lease")

"""``adapter push`` killed with SIGKILL at three points, then simply run again: the server holds
every resource exactly once and the ledger agrees with it.

The fault proxy makes the crash points exact instead of timing guesses (no hook in the adapter):

- before the first transaction commits: every transaction is held at the proxy, unsent;
- mid-run: four transactions go through (and are recorded), the next ones are held unsent;
- between commit and ledger write: after four transactions, HAPI commits each transaction but
  its answer is kept back, so the process dies knowing nothing of writes the server made.
"""

from __future__ import annotations

import itertools
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from adapter.sync.ledger import Ledger, RunStatus
from tests.reliability.cli_support import (
    CliRunnerFor,
    generated,
    installation,
    landing,
    push_process,
    write_cases,
)
from tests.reliability.faultproxy import FaultProxy
from tests.reliability.faults import Fault, Plan, RequestInfo, passthrough
from tests.reliability.invariants import Landing

pytestmark = pytest.mark.integration

CASES = 12
CONCURRENCY = 2


def after_transactions(landed: int, fault: Fault, base_path: str) -> Plan:
    """The first ``landed`` transactions pass, every later one gets ``fault``."""
    seen = itertools.count(1)

    def plan(info: RequestInfo) -> Fault:
        if info.method != "POST" or info.target.rstrip("/") != base_path:
            return Fault.PASS
        return Fault.PASS if next(seen) <= landed else fault

    return plan


def ready(point: str) -> Callable[[dict[str, int]], bool]:
    # Both slots stuck at the proxy: every case before them has been answered and recorded.
    if point == "between-commit-and-ledger":
        return lambda seen: seen["committed_unanswered"] >= CONCURRENCY
    return lambda seen: seen.get("hold", 0) >= CONCURRENCY


CRASH_POINTS = {
    "before-first-commit": (0, Fault.HOLD),
    "mid-run": (4, Fault.HOLD),
    "between-commit-and-ledger": (4, Fault.HOLD_ANSWER),
}


@pytest.mark.parametrize("point", list(CRASH_POINTS))
def test_push_killed_at_any_point_lands_everything_once_when_run_again(
    point: str, fhir_base_url: str, tmp_path: Path, cli: CliRunnerFor
):
    landed_first, fault = CRASH_POINTS[point]
    cases = generated(CASES, prefix="CRASH")
    folder = write_cases(tmp_path / "cases", cases)
    with FaultProxy(fhir_base_url, lifetime=300) as proxy:
        proxy.set_plan(after_transactions(landed_first, fault, proxy.base_path))
        where = installation(proxy.url, tmp_path, "crash")
        process = push_process(folder, where, concurrency=CONCURRENCY)
        try:
            proxy.wait_for(ready(point), timeout=120)
        finally:
            process.send_signal(signal.SIGKILL)
            process.communicate(timeout=30)
        killed = landing(fhir_base_url, where, cases)
        proxy.set_plan(passthrough)

        code, output = cli(where, "push", str(folder))

        after = landing(fhir_base_url, where, cases)
    assert code == 0, output
    assert after.exact, after.describe()
    with Ledger.open(where.ledger_url) as ledger:
        first, second = sorted(ledger.runs(5), key=lambda run: run.id)
    assert first.status is RunStatus.INTERRUPTED
    assert second.status is RunStatus.COMPLETED
    assert second.cases_ok == CASES
    assert process.returncode == -signal.SIGKILL
    _crash_point_was_real(point, killed, first.cases_ok)


def _crash_point_was_real(point: str, killed: Landing, recorded: int) -> None:
    """What the server and the ledger held at the moment of the kill."""
    if point == "before-first-commit":
        assert killed.held == 0
        assert recorded == 0
    elif point == "mid-run":
        assert recorded == 4
        assert 0 < killed.held < killed.expected
    else:
        # The server holds more than the ledger knows: the commits whose answer never came.
        assert recorded == 4
        assert killed.held > 0
        assert any(version is None for _, version, _ in killed.ledger_mismatch)

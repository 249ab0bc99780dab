"""A server that lies about a push: the proxy in front of the real HAPI forwards each
transaction (HAPI commits it, or half of it) and then answers a 200 that does not prove the
write, or an answer that never ends. The push must dead-letter every case (exit 1), record
nothing of it as written, and an honest push afterwards must leave the server holding exactly
the expected resources, read back from HAPI directly.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.reliability.cli_support import (
    CliRunnerFor,
    generated,
    installation,
    landing,
    write_cases,
)
from tests.reliability.faultproxy import FaultProxy
from tests.reliability.faults import Fault, on_transactions, passthrough

pytestmark = pytest.mark.integration

CASES = 3
LIMIT = 4 * 1024 * 1024  # bytes per answer in this test (HAPI's CapabilityStatement is 1.5 MB)
DEADLINE = 4  # seconds per request; the proxy trickles a byte every 2 s

LIES: dict[str, tuple[Fault, str]] = {
    "entry-500": (Fault.ENTRY_500, "invalid-response"),
    "no-status": (Fault.NO_STATUS, "invalid-response"),
    "other-id": (Fault.OTHER_ID, "invalid-response"),
    "half-commit": (Fault.HALF_COMMIT, "invalid-response"),
    "trickle": (Fault.TRICKLE, "retries-exhausted"),
    "endless": (Fault.ENDLESS, "invalid-response"),
    "huge": (Fault.HUGE, "invalid-response"),
}
MESSAGES = {
    "entry-500": "status 500 inside a transaction",
    "no-status": "no readable response.status",
    "other-id": "the answer names another",
    "half-commit": "the answer names",
    "trickle": f"no complete answer within {DEADLINE} s",
    "endless": f"grew to more than {LIMIT} bytes",
    "huge": f"declares more than {LIMIT} bytes",
}


@pytest.fixture
def bounded(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    def apply() -> None:
        monkeypatch.setenv("ADAPTER_FHIR_TIMEOUTS__TOTAL", str(DEADLINE))
        monkeypatch.setenv("ADAPTER_FHIR_MAX_RESPONSE_BYTES", str(LIMIT))
        monkeypatch.setenv("ADAPTER_FHIR_RETRY__MAX_ATTEMPTS", "2")
        monkeypatch.setenv("ADAPTER_FHIR_RETRY__INITIAL_WAIT", "0.1")

    return apply


@pytest.mark.parametrize("lie", list(LIES))
def test_a_lying_answer_is_dead_lettered_and_an_honest_push_repairs_everything(
    lie: str,
    fhir_base_url: str,
    tmp_path: Path,
    cli: CliRunnerFor,
    bounded: Callable[[], None],
):
    fault, reason = LIES[lie]
    cases = generated(CASES, prefix=f"LIE-{lie}")
    folder = write_cases(tmp_path / "cases", cases)
    bounded()
    with FaultProxy(fhir_base_url, lifetime=300, trickle=2.0) as proxy:
        proxy.set_plan(on_transactions(fault, proxy.base_path))
        where = installation(proxy.url, tmp_path, "lie")
        code, output = cli(where, "push", str(folder), "--concurrency", str(CASES))
        lied = proxy.snapshot()

        assert code == 1, output
        for case in cases:
            assert f"case {case['id']}: failed" in output, output
        assert output.count(f"[{reason}]") == CASES, output
        assert MESSAGES[lie] in output, output
        assert "Traceback" not in output
        before = landing(fhir_base_url, where, cases)
        if fault is Fault.HALF_COMMIT:
            assert 0 < before.held < before.expected, before.describe()
        else:
            assert before.held == before.expected, before.describe()  # HAPI did commit
        # Nothing the server holds is recorded with its version: the ledger never believed it.
        assert len(before.ledger_mismatch) == before.held, before.describe()
        if fault in (Fault.ENDLESS, Fault.HUGE):
            # Each client stopped reading near the limit, far below the 400 MB on offer.
            assert 0 < lied["streamed-bytes"] < 30 * 1024 * 1024 * CASES, lied

        proxy.set_plan(passthrough)
        code, output = cli(where, "push", str(folder))
        assert code == 0, output

    after = landing(fhir_base_url, where, cases)
    print(f"\n{lie}: exit 1 then 0; expected {before.expected}, held {before.held} -> {after.held}")
    assert after.exact, after.describe()

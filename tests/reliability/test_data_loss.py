"""Real data loss: the test's own HAPI (H2 in memory) is killed and started again after a push
of 200 cases, so it holds nothing of them. `adapter verify` says what is gone, the next
`adapter push` notices the reset by itself (the server marker is gone: "lost"), forgets what is
gone and sends it again: the server then holds every expected resource exactly once and the
ledger agrees with it by id, version and content hash.

One restart per CI run (it takes about a minute): everything is checked around that one.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from adapter.errors import ResourceNotFound
from adapter.fhir import open_client
from adapter.settings import load_settings
from adapter.sync.ledger import Ledger
from adapter.sync.push.marker import MARKER_TYPE, marker_id
from tests.integration.push_support import expected_counts, fresh_cases, write_cases
from tests.reliability.cli_support import CliRunnerFor, Installation, installation
from tests.reliability.invariants import Landing, compare, expected_resources, server_holdings
from tests.reliability.spare_hapi import spare_from_env

pytestmark = pytest.mark.integration

CASES = 200


def observe(where: Installation, cases: list[dict[str, Any]]) -> tuple[Counter[str], Landing]:
    """Per type, what the server holds of the installation's namespace (read once, directly,
    by tag), and how that and the ledger compare with what the cases map to."""
    expected = expected_resources(cases, where.namespace)

    async def read() -> dict[tuple[str, str], dict[str, Any]]:
        async with open_client(load_settings(fhir_base_url=where.server)) as client:
            return await server_holdings(client, where.namespace, {k[0] for k in expected})

    held = asyncio.run(read())
    with Ledger.open(where.ledger_url) as ledger:
        found = compare(expected, held, ledger, where.server)
    return Counter(kind for kind, _ in held), found


def marker_present(where: Installation) -> bool:
    async def read() -> bool:
        async with open_client(load_settings(fhir_base_url=where.server)) as client:
            try:
                await client.read(MARKER_TYPE, marker_id(where.namespace))
            except ResourceNotFound:
                return False
        return True

    return asyncio.run(read())


def last_push(where: Installation) -> dict[str, Any]:
    with Ledger.open(where.ledger_url) as ledger:
        run = ledger.runs(1, server=where.server)[0]
    assert run.summary is not None
    return run.summary


def verify_json(cli: CliRunnerFor, where: Installation) -> tuple[int, dict[str, Any]]:
    code, output = cli(where, "verify", "--json")
    return code, json.loads(output[output.index("{") :])


def test_a_restarted_in_memory_hapi_is_noticed_and_refilled_exactly_once(
    tmp_path: Path, cli: CliRunnerFor
) -> None:
    spare = spare_from_env()
    where = installation(spare.url, tmp_path, "loss")
    cases = fresh_cases(CASES)
    folder = write_cases(tmp_path / "cases", cases)
    expected = expected_counts(cases, where.namespace)
    total = sum(expected.values())

    code, output = cli(where, "push", str(folder))
    assert code == 0, output
    held, before = observe(where, cases)
    print(f"data loss: {CASES} cases, {total} resources expected; held before restart {held}")
    assert held == expected
    assert before.exact, before.describe()

    spare.restart()
    held, _ = observe(where, cases)
    print(f"data loss: held after restart {sum(held.values())}")
    assert sum(held.values()) == 0
    assert not marker_present(where)

    # verify alone reads back and reports every case, changing nothing.
    code, report = verify_json(cli, where)
    assert code == 1
    assert (report["missing"], report["changed"], report["agrees"]) == (total, 0, False)
    assert (report["cases"], report["cases_ok"]) == (CASES, 0)

    code, output = cli(where, "push", str(folder))
    assert code == 0, output
    summary = last_push(where)
    assert summary["server_check"] == "lost"
    assert summary["forgotten"] == total
    assert summary["resources_written"] == total
    held, after = observe(where, cases)
    print(f"data loss: push after restart {summary}; held after it {held}")
    assert held == expected
    assert after.exact, after.describe()
    assert marker_present(where)

    code, report = verify_json(cli, where)
    assert code == 0, report
    assert (report["resources"], report["missing"], report["changed"]) == (total, 0, 0)
    assert (report["unknown"], report["agrees"]) == (0, True)

    # And the ledger is trusted again: the next push sends nothing.
    code, output = cli(where, "push", str(folder))
    assert code == 0, output
    again = last_push(where)
    assert (again["server_check"], again["resources_written"]) == ("same", 0)

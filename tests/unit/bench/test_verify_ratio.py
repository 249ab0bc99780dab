"""``bench/verify-ratio``: its report states the ratio verify ÷ push, and it refuses the shared
test server."""

from __future__ import annotations

import pytest

from bench.verify_ratio import _options, ratio_table


def _result() -> dict[str, object]:
    return {
        "cases": 10,
        "seed": 0,
        "server_software": "HAPI FHIR Server 8.8.0",
        "database": "H2 in memory",
        "commit": "abc1234",
        "push": {
            "wall_s": 40.0,
            "requests": 12,
            "summary": {"resources_written": 160, "cases_written": 10, "cases_failed": 0},
        },
        "verify": {
            "wall_s": [4.0, 5.0, 6.0],
            "median_s": 5.0,
            "requests": 30,
            "summary": {"resources": 160, "agrees": True},
        },
        "cli_verify": [8.0, 0],
        "ratio": 5.0 / 40.0,
    }


def test_the_report_gives_the_ratio_and_the_verify_range() -> None:
    table = ratio_table(_result())
    assert "| verify (library, median of 3) | 5.00 (4.00-6.00) | 30 |" in table
    assert "| `adapter verify` (process) | 8.00 | - | exit 0 |" in table
    assert "verify ÷ initial push: **0.125** (`adapter verify` process ÷ push: 0.200)" in table


def test_the_shared_test_server_is_refused() -> None:
    with pytest.raises(SystemExit):
        _options(["--server", "http://127.0.0.1:8080/fhir"])
    assert _options(["--server", "http://127.0.0.1:18090/fhir"]).cases == 1000

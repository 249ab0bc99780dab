"""The scale tier's goals and report: duplicates and ledger = server per worker count, the
throughput ratio against one worker."""

from __future__ import annotations

from typing import Any

from bench.scale import _goals
from bench.scale_measure import Activity, render_scale


def _tier(workers: int, cases_per_s: float, **changes: Any) -> dict[str, Any]:
    tier = {
        "workers": workers,
        "wall_s": 1000 / cases_per_s,
        "cases_per_s": cases_per_s,
        "cases_written_twice": 0,
        "extra_versions": 0,
        "cases_failed": 0,
        "cases_held": 0,
        "ledger_equals_server": True,
        "client_cpu_ms_per_case": 10.0,
        "server_cpu_s": None,
        "ledger_transactions_per_case": 12.0,
        "ledger_rows_written_per_case": 24.0,
    }
    return tier | changes


def test_goals_count_duplicates_and_disagreement_and_compare_with_one_worker() -> None:
    tiers = [_tier(1, 10.0), _tier(2, 15.0, extra_versions=3), _tier(4, 8.0, cases_held=2)]
    goals = {goal["name"]: goal for goal in _goals(tiers)}
    assert goals["duplicates, 1 workers"]["met"] is True
    assert (goals["duplicates, 2 workers"]["value"], goals["duplicates, 2 workers"]["met"]) == (
        3,
        False,
    )
    assert goals["ledger = server, 4 workers"]["met"] is False  # cases left held
    assert goals["throughput 2 workers / 1 worker"]["value"] == 1.5
    assert goals["throughput 4 workers / 1 worker"]["met"] is False
    assert "throughput 1 workers / 1 worker" not in goals


def test_the_report_has_a_row_per_worker_count_and_every_goal() -> None:
    tiers = [_tier(1, 10.0), _tier(2, 15.0)]
    result = {
        "date": "2026-12-06",
        "cases": 1000,
        "concurrency_per_worker": 4,
        "environment": {"commit": "abc1234", "machine": {"nproc": 2}},
        "dataset": {"distinct_resources": 16000, "transaction_bytes_per_case": 17000},
        "tiers": tiers,
        "goals": _goals(tiers),
    }
    text = render_scale(result)
    assert "| 1 | 100.0 | 10.0 | 0 | 0 | 0 | 10.0 | - | 12.0 | 24.0 | True |" in text
    assert "| throughput 2 workers / 1 worker | 1.5 | >= 1.0 (never slower) | True |" in text


def test_activity_differences() -> None:
    assert Activity(30, 70) - Activity(10, 20) == Activity(20, 50)

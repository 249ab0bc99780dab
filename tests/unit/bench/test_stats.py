"""The benchmark's arithmetic: percentiles, spread over repetitions, ratios, goals."""

from __future__ import annotations

import pytest

from bench.stats import Goal, Spread, percentile, spread, summarise_runs, throughput_ratio


def test_percentile_interpolates_between_neighbours():
    values = [40.0, 10.0, 30.0, 20.0]
    assert percentile(values, 0.5) == pytest.approx(25.0)
    assert percentile(values, 0.95) == pytest.approx(38.5)
    assert percentile(values, 0.0) == 10.0
    assert percentile(values, 1.0) == 40.0


def test_percentile_of_nothing_is_none():
    assert percentile([], 0.5) is None


def test_spread_is_median_min_max_ignoring_missing_values():
    assert spread([3.0, None, 1.0, 2.0]) == Spread(2.0, 1.0, 3.0)
    assert spread([None, None]) is None


def test_summarise_runs_keeps_numeric_metrics_only():
    runs = [
        {"wall_s": 2.0, "requests": 10, "ok": True, "note": "a", "p95": None},
        {"wall_s": 4.0, "requests": 12, "ok": True, "note": "b", "p95": 5.0},
        {"wall_s": 3.0, "requests": 11, "ok": False, "note": "c", "p95": 7.0},
    ]
    summary = summarise_runs(runs)
    assert set(summary) == {"wall_s", "requests", "p95"}
    assert summary["wall_s"] == Spread(3.0, 2.0, 4.0)
    assert summary["p95"] == Spread(6.0, 5.0, 7.0)


def test_throughput_ratio_divides_medians_and_refuses_missing_or_zero():
    assert throughput_ratio(Spread(90, 80, 95), Spread(100, 99, 120)) == pytest.approx(0.9)
    assert throughput_ratio(None, Spread(1, 1, 1)) is None
    assert throughput_ratio(Spread(1, 1, 1), Spread(0, 0, 0)) is None


def test_goal_compares_in_its_direction_and_says_when_unmeasured():
    assert Goal("r1", 0.95, 0.9, at_least=True).met is True
    assert Goal("r1", 0.85, 0.9, at_least=True).met is False
    assert Goal("writes", 0, 0, at_least=False).met is True
    assert Goal("writes", 3, 0, at_least=False).met is False
    assert Goal("rss", None, 2, at_least=False).met is None
    assert Goal("rss", 1.5, 2, at_least=False).as_dict()["goal"] == "<= 2"

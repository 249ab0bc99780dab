"""Paired ratios, the bootstrap interval and the tier's goals, on fixed inputs."""

from __future__ import annotations

from typing import Any

import pytest

from bench.paired import PairedGoal, bootstrap_median, pair_orders, paired_ratios
from bench.tiers import ADAPTER, B0, B1, BASE, DIRECT, TierPlan, judge_tier


def test_pair_orders_rotate_so_no_member_always_runs_first():
    assert pair_orders(4, ["a", "b"]) == [["a", "b"], ["b", "a"], ["a", "b"], ["b", "a"]]
    firsts = [order[0] for order in pair_orders(3, ["a", "b", "c"])]
    assert firsts == ["a", "b", "c"]
    assert pair_orders(2, []) == []


def test_paired_ratios_are_taken_inside_each_pair():
    assert paired_ratios([10.0, 30.0], [5.0, 10.0]) == [2.0, 3.0]
    assert paired_ratios([1.0], [0.0]) == []
    with pytest.raises(ValueError, match="both"):
        paired_ratios([1.0], [1.0, 2.0])


def test_bootstrap_interval_brackets_the_median_and_is_deterministic():
    values = [0.8, 0.9, 1.0, 1.1, 1.2]
    first = bootstrap_median(values, seed=3)
    assert first is not None
    assert first.median == 1.0
    assert first.low <= first.median <= first.high
    assert first.low >= 0.8
    assert first.high <= 1.2
    assert bootstrap_median(values, seed=3) == first
    same = bootstrap_median([2.0] * 5)
    assert same is not None
    assert (same.low, same.high) == (2.0, 2.0)
    assert bootstrap_median([]) is None


def test_a_goal_is_met_only_when_the_whole_interval_meets_it():
    wide = bootstrap_median([0.6, 0.95, 1.3, 0.7, 1.2])
    narrow = bootstrap_median([0.95, 0.96, 0.97, 0.98, 0.99])
    assert wide is not None
    assert narrow is not None
    assert wide.median >= 0.9
    assert PairedGoal("r1", wide, 0.9, at_least=True).met is False
    assert PairedGoal("r1", narrow, 0.9, at_least=True).met is True
    assert PairedGoal("w2", narrow, 1.2, at_least=False).met is True
    assert PairedGoal("none", None, 1, at_least=True).met is None


def _runs(*walls: float) -> list[dict[str, Any]]:
    return [{"wall_s": w} for w in walls]


def test_judge_tier_computes_r1_r4_requests_and_proxy_overhead():
    runs: dict[str, list[dict[str, Any]]] = {
        ADAPTER: _runs(10, 20, 10, 20, 10),
        B0: _runs(9, 18, 9, 18, 9),
        B1: _runs(60, 120, 60, 120, 60),
        DIRECT: _runs(10, 20, 10, 20, 10),
        "W2 adapter": [{"requests": 12, "changed_cases": 10, "fixed_requests": 2}] * 5,
    }
    goals = {g.name: g for g in judge_tier(0, runs)}
    r1 = goals["R1 adapter / B0 throughput, W1, 0 ms"]
    assert r1.interval is not None
    assert r1.interval.median == pytest.approx(0.9)
    r4 = goals["R4 adapter / B1 throughput, W1, 0 ms (no goal at 0 ms)"]
    assert r4.interval is not None
    assert r4.interval.median == pytest.approx(6.0)
    assert r4.met
    w2 = goals["W2 requests per changed case, 0 ms"]
    assert w2.interval is not None
    assert w2.interval.median == 1.0
    assert w2.met
    overhead = goals["proxy overhead: adapter W1 via Toxiproxy at 0 ms / direct"]
    assert overhead.interval is not None
    assert overhead.interval.median == 1.0
    at_50 = {g.name for g in judge_tier(50, {k: v for k, v in runs.items() if k != DIRECT})}
    assert "R4 adapter / B1 throughput, W1, 50 ms" in at_50
    assert not any(name.startswith("proxy overhead") for name in at_50)


def test_tier_members_add_the_direct_adapter_only_at_zero_ms():
    assert TierPlan(0, 5, naive=True).members() == [ADAPTER, B0, B1, DIRECT]
    assert TierPlan(20, 5, naive=False).members() == [ADAPTER, B0]


def test_judge_tier_compares_the_baseline_adapter_and_reports_raw_requests_and_cpu():
    def w1(cpu: float) -> dict[str, Any]:
        return {"wall_s": 10, "cpu_s": cpu, "resources": 1000}

    w2 = {"requests": 2, "changed_cases": 1, "fixed_requests": 1}
    runs: dict[str, list[dict[str, Any]]] = {
        ADAPTER: [w1(0.2)] * 5,
        BASE: [w1(0.4)] * 5,
        "W2 adapter": [w2] * 5,
        "W2 adapter base": [{**w2, "requests": 3}] * 5,
    }
    goals = {g.name: g for g in judge_tier(20, runs)}
    assert goals["W2 requests per changed case, 20 ms"].met is True
    raw = goals["W2 requests per changed case, all requests, 20 ms (no goal)"]
    assert raw.interval is not None
    assert raw.interval.median == 2.0
    assert raw.met is None
    assert goals["W2 requests per changed case (adapter base), 20 ms"].met is False
    assert goals["client CPU s per 1k resources, W1, 20 ms"].met is True
    assert goals["client CPU s per 1k resources, W1 (adapter base), 20 ms"].met is False
    ratio = goals["client CPU W1, adapter / adapter base, 20 ms (no goal)"]
    assert ratio.interval is not None
    assert ratio.interval.median == pytest.approx(0.5)
    assert TierPlan(20, 5, naive=False, baseline=True).members() == [ADAPTER, B0, BASE]

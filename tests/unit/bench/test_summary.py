"""From fixed runs to rates, medians and the issue's goals."""

from __future__ import annotations

import pytest

from bench.summary import derive, goals, summarise


def _run(wall, requests, *, cases=100, resources=1600, cpu=1.0, writes=0, rss=100.0, **extra):
    return {
        "wall_s": wall,
        "requests": requests,
        "cases": cases,
        "resources": resources,
        "cpu_s": cpu,
        "writes": writes,
        "peak_rss_mb": rss,
        **extra,
    }


def test_derive_turns_counts_into_rates():
    out = derive(_run(4.0, 100, cpu=2.0, changed_cases=2))
    assert out["cases_per_s"] == 25.0
    assert out["resources_per_s"] == 400.0
    assert out["requests_per_case"] == 1.0
    assert out["cpu_s_per_1k_resources"] == pytest.approx(1.25)
    assert out["requests_per_changed_case"] == 50.0


def test_derive_leaves_rates_without_a_denominator_empty():
    out = derive(_run(1.0, 0, cases=0, resources=0))
    assert out["requests_per_case"] is None
    assert out["cpu_s_per_1k_resources"] is None
    assert out["requests_per_changed_case"] is None


def _summary():
    return summarise(
        {
            "W1 adapter": [_run(10.0, 100), _run(12.0, 100), _run(11.0, 100)],
            "W3 adapter": [_run(1.0, 0), _run(1.2, 0, writes=2), _run(0.9, 0)],
            "W2 adapter": [_run(2.0, 1, changed_cases=1)] * 3,
            "W1 B0": [_run(10.0, 100)] * 3,
            "W1 B1": [_run(60.0, 1800)] * 3,
        }
    )


def test_goals_use_medians_and_the_worst_w3_repetition():
    found = {g.name: g for g in goals(_summary(), mapping_ms_per_resource=0.1, cases=100)}
    assert found["R1 adapter / B0 throughput, W1"].value == pytest.approx(10 / 11)
    assert found["R1 adapter / B0 throughput, W1"].met is True
    assert found["R4 adapter / B1 throughput, W1"].value == pytest.approx(60 / 11)
    assert found["W2 requests per changed case"].value == 1.0
    assert found["W3 writes (worst repetition)"].value == 2
    assert found["W3 writes (worst repetition)"].met is False
    assert found["W3 time / W1 time"].value == pytest.approx(1.0 / 11)
    assert found["mapping CPU ms per resource"].met is True
    assert found["peak RSS 10k / 1k"].met is None


def test_rss_ratio_is_the_larger_tier_over_the_smaller_one():
    found = {
        g.name: g
        for g in goals(
            _summary(), mapping_ms_per_resource=0.1, rss_other_tier=(10000, 250.0), cases=1000
        )
    }
    assert found["peak RSS 10k / 1k"].value == pytest.approx(2.5)
    assert found["peak RSS 10k / 1k"].met is False

"""From raw runs to the numbers the report shows: per-run rates, median and spread per
workload, and the goals. Pure: the tests feed it fixed runs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bench.stats import Goal, Spread, summarise_runs, throughput_ratio

__all__ = ["W1_ADAPTER", "derive", "goals", "summarise"]

W1_ADAPTER = "W1 adapter"
Run = dict[str, Any]


def derive(run: Mapping[str, Any]) -> Run:
    """Rates of one run from its counts: cases/s, resources/s, requests per case, CPU per 1k
    resources (of the resources the workload handled), requests per changed case."""
    out = dict(run)
    wall, cases, resources = run["wall_s"], run.get("cases") or 0, run.get("resources") or 0
    out["cases_per_s"] = cases / wall if wall else None
    out["resources_per_s"] = resources / wall if wall else None
    out["requests_per_case"] = run["requests"] / cases if cases else None
    out["cpu_s_per_1k_resources"] = run["cpu_s"] * 1000 / resources if resources else None
    changed = run.get("changed_cases")
    out["requests_per_changed_case"] = run["requests"] / changed if changed else None
    return out


def summarise(runs: Mapping[str, Sequence[Run]]) -> dict[str, dict[str, Spread]]:
    return {name: summarise_runs([derive(r) for r in items]) for name, items in runs.items()}


def _median(summary: Mapping[str, Mapping[str, Spread]], name: str, key: str) -> float | None:
    found = summary.get(name, {}).get(key)
    return found.median if found is not None else None


def goals(
    summary: Mapping[str, Mapping[str, Spread]],
    *,
    mapping_ms_per_resource: float | None,
    rss_other_tier: tuple[int, float] | None = None,
    cases: int = 0,
) -> list[Goal]:
    """The issue's goals, each with its measured value (None: not measured in this run)."""
    w1, w3 = summary.get(W1_ADAPTER, {}), summary.get("W3 adapter", {})
    w3_writes = w3.get("writes")
    rate = "resources_per_s"
    values = {
        "R1 adapter / B0 throughput, W1": (
            throughput_ratio(w1.get(rate), summary.get("W1 B0", {}).get(rate)),
            0.90,
            True,
        ),
        "R4 adapter / B1 throughput, W1": (
            throughput_ratio(w1.get(rate), summary.get("W1 B1", {}).get(rate)),
            5,
            True,
        ),
        "W2 requests per changed case": (
            _median(summary, "W2 adapter", "requests_per_changed_case"),
            1.2,
            False,
        ),
        "W3 writes (worst repetition)": (w3_writes.high if w3_writes else None, 0, False),
        "W3 time / W1 time": (throughput_ratio(w3.get("wall_s"), w1.get("wall_s")), 0.1, False),
        "mapping CPU ms per resource": (mapping_ms_per_resource, 0.5, False),
        "peak RSS 10k / 1k": (_rss_ratio(summary, rss_other_tier, cases), 2, False),
    }
    return [Goal(name, value, limit, at_least=up) for name, (value, limit, up) in values.items()]


def peak_rss(summary: Mapping[str, Mapping[str, Spread]]) -> float | None:
    """The adapter's largest median peak RSS over its workloads (MB)."""
    values = [
        stats["peak_rss_mb"].median
        for name, stats in summary.items()
        if name.endswith(" adapter") and "peak_rss_mb" in stats
    ]
    return max(values) if values else None


def _rss_ratio(
    summary: Mapping[str, Mapping[str, Spread]], other: tuple[int, float] | None, cases: int
) -> float | None:
    ours = peak_rss(summary)
    if other is None or ours is None or other[0] == cases or not other[1]:
        return None
    big, small = (ours, other[1]) if cases > other[0] else (other[1], ours)
    return big / small

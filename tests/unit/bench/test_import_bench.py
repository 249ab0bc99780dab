"""The import benchmark's arithmetic and report (no server: the numbers are made up)."""

from __future__ import annotations

from typing import Any

from bench.import_bench import _ratios, render_import
from bench.stats import summarise_runs


def _run(wall: float, rss: float) -> dict[str, Any]:
    return {"wall_s": wall, "peak_rss_mb": rss, "cases": 10, "requests": 5, "cpu_s": 1.0,
            "files": 10}  # fmt: skip


def _result() -> dict[str, Any]:
    runs = {"REST": [_run(100, 100), _run(60, 110)], "bulk": [_run(30, 90), _run(30, 99)]}
    summary = {m: {k: s.as_dict() for k, s in summarise_runs(r).items()} for m, r in runs.items()}
    return {
        "date": "2026-12-05", "episodes": 10, "repetitions": 2,
        "environment": {"machine": {"nproc": 2, "cpu_model": "x", "memory_gb": 1},
                        "server": {"name": "HAPI", "version": "8"}, "database": "H2",
                        "commit": "abc", "python": "3.11"},
        "load": {"resources": 90, "wall_s": 1.0},
        "summary": summary, "ratios": _ratios(runs, summary), "identical_records": [True, False],
    }  # fmt: skip


def test_bulk_over_rest_is_given_of_medians_and_within_each_repetition():
    ratios = _result()["ratios"]

    assert ratios["wall_s"]["of_medians"] == 30 / 80
    assert ratios["wall_s"]["per_repetition"] == [0.3, 0.5]
    assert ratios["peak_rss_mb"]["per_repetition"] == [0.9, 0.9]


def test_the_report_shows_both_imports_the_ratios_and_a_mismatch():
    text = render_import(_result())

    assert "| REST | 80.0 (60.0-100.0) |" in text
    assert "| bulk | 30.0 |" in text
    assert "bulk ÷ REST wall time: **0.38** (within each repetition: 0.30, 0.50)" in text
    assert "identical case files in every repetition: **no**" in text

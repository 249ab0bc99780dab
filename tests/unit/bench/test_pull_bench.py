"""The pull benchmark's arithmetic, goals and report (no server: the numbers are made up),
and the naive re-read's comparison with the ledger."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from adapter.sync.ledger.records import Entry
from bench.pull_report import MODES, goals, ratios, render_pull
from bench.pull_workloads import is_newer, next_link
from bench.stats import summarise_runs


def _run(wall: float, requests: int, rss: float, missed: int = 0) -> dict[str, Any]:
    return {"wall_s": wall, "requests": requests, "peak_rss_mb": rss, "cpu_s": 0.5,
            "cases": 100, "entries_read": 100, "missed": missed, "extra": 0}  # fmt: skip


def _result(missed: int = 0, baseline: dict[str, Any] | None = None) -> dict[str, Any]:
    runs = {
        "pull": [_run(1.0, 2, 90, missed), _run(2.0, 2, 100)],
        "pull type-history": [_run(3.0, 17, 95), _run(3.0, 17, 95)],
        "naive re-read": [_run(10.0, 80, 60), _run(40.0, 80, 60)],
    }
    summary = {m: {k: s.as_dict() for k, s in summarise_runs(r).items()} for m, r in runs.items()}
    found = ratios(runs, summary)
    return {
        "date": "2026-12-06", "cases": 10000, "changed_cases": 100, "repetitions": 2,
        "environment": {"machine": {"nproc": 2, "cpu_model": "x", "memory_gb": 1},
                        "server": {"name": "HAPI", "version": "8"}, "database": "H2",
                        "commit": "abc", "python": "3.11"},
        "setup": {"resources": 1600, "push": {"wall_s": 60.0}, "changed_by_type":
                  {"Task": 50, "Goal": 50}, "first_pull": {"wall_s": 5.0, "requests": 90}},
        "runs": runs, "summary": summary, "ratios": found,
        "goals": goals(runs, summary, found, baseline, 10000),
    }  # fmt: skip


def _goal(result: dict[str, Any], start: str) -> dict[str, Any]:
    return next(g for g in result["goals"] if g["name"].startswith(start))


def test_each_pull_is_divided_by_the_naive_reread_of_medians_and_per_repetition():
    found = _result()["ratios"]

    assert found["pull"]["wall_s"]["of_medians"] == 1.5 / 25
    assert found["pull"]["wall_s"]["per_repetition"] == [0.1, 0.05]
    assert found["pull type-history"]["requests"]["of_medians"] == 17 / 80
    assert found["pull"]["peak_rss_mb"]["per_repetition"] == [1.5, 100 / 60]


def test_time_and_requests_are_goals_and_rss_against_the_naive_reread_is_only_reported():
    result = _result()

    assert _goal(result, "W5 pull ÷ naive re-read, wall time")["met"] is True
    rss = _goal(result, "W5 pull ÷ naive re-read, peak RSS")
    assert (rss["goal"], rss["met"]) == (None, None)
    assert _goal(result, "W5 cases found")["met"] is True


def test_a_missed_change_fails_the_exactness_goal():
    row = _goal(_result(missed=3), "W5 cases found")

    assert (row["value"], row["met"]) == (3, False)


def test_rss_growth_is_held_against_the_baseline_run_when_there_is_one():
    assert _goal(_result(), "W5 pull peak RSS")["met"] is None
    small = {"cases": 1000, "summary": {"pull": {"peak_rss_mb": {"median": 60.0}}}}

    row = _goal(_result(baseline=small), "W5 pull peak RSS")

    assert row["name"] == "W5 pull peak RSS 10000 cases ÷ 1000 cases"
    assert (row["value"], row["goal"], row["met"]) == (95 / 60, "<= 1.5", False)


def test_the_report_has_every_read_the_ratios_and_the_goals():
    text = render_pull(_result())

    for mode in MODES:
        assert f"| {mode} |" in text
    assert "| naive re-read | 25.00 (10.00-40.00) | 80 |" in text
    assert "| pull | 0.06 (0.1, 0.05) | 0.025 (0.025, 0.025) |" in text
    assert "50 Task, 50 Goal" in text


def _entry(version: str | None) -> Entry:
    return Entry("http://x/fhir", "Task", "t", "CM-1", None, version, None,
                 datetime.now(UTC), 0, None, None, None)  # fmt: skip


def test_a_resource_is_newer_only_past_the_ledgers_version():
    assert is_newer({"meta": {"versionId": "3"}}, _entry("2"))
    assert not is_newer({"meta": {"versionId": "2"}}, _entry("2"))
    assert not is_newer({"meta": {"versionId": "10"}}, _entry("11"))
    assert is_newer({"meta": {"versionId": "b"}}, _entry("a"))


def test_next_link_is_the_next_page_or_none():
    page = {"link": [{"relation": "self", "url": "s"}, {"relation": "next", "url": "n"}]}

    assert next_link(page) == "n"
    assert next_link({"link": [{"relation": "self", "url": "s"}]}) is None

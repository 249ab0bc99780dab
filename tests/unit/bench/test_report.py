"""The markdown report: one row per workload, medians with their range, goals marked."""

from __future__ import annotations

import json

from bench.report import render_markdown, write_results
from bench.stats import Goal


def _result():
    spread = {"median": 2.0, "min": 1.5, "max": 2.5}
    return {
        "date": "2026-11-23",
        "cases": 10,
        "seed": 0,
        "repetitions": 3,
        "concurrency": 4,
        "environment": {
            "python": "3.11.7",
            "packages": {"httpx": "0.28.1", "fhirpy": None},
            "server": {"name": "HAPI FHIR Server", "version": "8.8.0"},
            "database": "PostgreSQL",
            "machine": {"nproc": 2, "cpu_model": "Test CPU", "memory_gb": 24.0},
        },
        "dataset": {"resources": 160},
        "mapping": {"map_ms_per_resource": 0.04, "parse_ms_per_case": 0.09},
        "summary": {
            "W1 adapter": {"wall_s": spread, "writes": {"median": 160, "min": 160, "max": 160}},
        },
        "goals": [
            Goal("R1 adapter / B0 throughput, W1", 0.8, 0.9, at_least=True).as_dict(),
            Goal("peak RSS 10k / 1k", None, 2, at_least=False).as_dict(),
        ],
    }


def test_markdown_shows_median_with_range_and_plain_value_when_all_equal():
    text = render_markdown(_result())
    row = next(line for line in text.splitlines() if line.startswith("| W1 adapter"))
    assert "| 2.00 (1.50-2.50) |" in row
    assert row.rstrip().endswith("| 160 |")
    assert "server HAPI FHIR Server 8.8.0 on PostgreSQL" in text
    assert "fhirpy" not in text  # not installed: not listed


def test_markdown_marks_missed_and_unmeasured_goals():
    text = render_markdown(_result())
    assert "| R1 adapter / B0 throughput, W1 | 0.8 | >= 0.9 | **no** |" in text
    assert "| peak RSS 10k / 1k | not measured | <= 2 | - |" in text


def test_results_are_written_as_json_and_markdown_named_by_date_and_cases(tmp_path):
    json_path, md_path = write_results(_result(), tmp_path)
    assert json_path.name == "2026-11-23-10.json"
    assert json.loads(json_path.read_text())["cases"] == 10
    assert md_path.read_text().startswith("# Benchmark 2026-11-23: 10 cases")


def test_markdown_states_the_b0_over_b1_ceiling_when_both_ran():
    result = _result()
    rate = {"median": 300.0, "min": 290.0, "max": 310.0}
    result["summary"]["W1 B0"] = {"resources_per_s": rate}
    result["summary"]["W1 B1"] = {"resources_per_s": {**rate, "median": 120.0}}
    assert "B0 / B1 throughput on W1: 2.50" in render_markdown(result)
    assert "B0 / B1" not in render_markdown(_result())


def test_markdown_gives_r1_within_each_repetition():
    result = _result()
    result["runs"] = {
        "W1 adapter": [{"wall_s": 50.0}, {"wall_s": 40.0}],
        "W1 B0": [{"wall_s": 45.0}, {"wall_s": 44.0}],
    }
    text = render_markdown(result)
    assert "R1 within each repetition (B0 wall / adapter wall on W1): 0.90, 1.10." in text
    assert "within each repetition" not in render_markdown(_result())

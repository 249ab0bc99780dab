"""The results as JSON (everything, every run) and as a markdown table (medians and spread)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

__all__ = ["COLUMNS", "render_markdown", "write_results"]

#: (key, header, decimals) of the main table.
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("wall_s", "wall s", 2),
    ("cases_per_s", "cases/s", 1),
    ("resources_per_s", "resources/s", 0),
    ("requests_per_case", "req/case", 2),
    ("cpu_s_per_1k_resources", "client CPU s/1k res", 2),
    ("request_p50_ms", "req p50 ms", 0),
    ("request_p95_ms", "req p95 ms", 0),
    ("case_p50_ms", "case p50 ms", 0),
    ("case_p95_ms", "case p95 ms", 0),
    ("peak_rss_mb", "peak RSS MB", 0),
    ("writes", "writes", 0),
)


def _cell(stats: Mapping[str, Any] | None, decimals: int) -> str:
    if not stats:
        return "-"
    median, low, high = stats["median"], stats["min"], stats["max"]
    if round(low, decimals) == round(high, decimals):
        return f"{median:.{decimals}f}"
    return f"{median:.{decimals}f} ({low:.{decimals}f}-{high:.{decimals}f})"


def _goal_value(value: float | None) -> str:
    return "not measured" if value is None else f"{value:.3g}"


def _met(met: bool | None) -> str:
    return {True: "yes", False: "**no**", None: "-"}[met]


def _server(software: Mapping[str, Any], database: str) -> str:
    if not software:
        return "no server (dry run)"
    return f"server {software.get('name')} {software.get('version')} on {database}"


def _ceiling(summary: Mapping[str, Any]) -> list[str]:
    """B0 / B1 on W1: the most any client sending one transaction per case gains over the
    per-resource client on this server (the bound on R4)."""
    b0 = summary.get("W1 B0", {}).get("resources_per_s")
    b1 = summary.get("W1 B1", {}).get("resources_per_s")
    if not b0 or not b1 or not b1["median"]:
        return []
    ratio = b0["median"] / b1["median"]
    return ["", f"B0 / B1 throughput on W1: {ratio:.2f} (the ceiling for R4 on this server)."]


def _paired(runs: Mapping[str, Any]) -> list[str]:
    """R1 within each repetition: the adapter's W1 and B0's W1 run minutes apart on the same
    server, so their ratio is steadier than the ratio of medians when the machine's speed
    drifts between repetitions."""
    ours, theirs = runs.get("W1 adapter") or [], runs.get("W1 B0") or []
    ratios = [
        b0["wall_s"] / a["wall_s"] for a, b0 in zip(ours, theirs, strict=False) if a["wall_s"]
    ]
    if not ratios:
        return []
    listed = ", ".join(f"{r:.2f}" for r in ratios)
    return ["", f"R1 within each repetition (B0 wall / adapter wall on W1): {listed}."]


def render_markdown(result: Mapping[str, Any]) -> str:
    """The report for one run of the suite (``result`` as written to the JSON file)."""
    env = result["environment"]
    machine = env["machine"]
    server = env.get("server") or {}
    lines = [
        f"# Benchmark {result['date']}: {result['cases']} cases",
        "",
        f"{result['cases']} cases ({result['dataset']['resources']} resources), seed "
        f"{result['seed']}, {result['repetitions']} repetitions (median, min-max), "
        f"{result['concurrency']} cases in flight.",
        f"Machine: {machine['nproc']} cores ({machine['cpu_model']}), {machine['memory_gb']} GB; "
        f"{_server(server, env['database'])}; "
        f"adapter at {env.get('commit')}; Python {env['python']}, "
        + ", ".join(f"{k} {v}" for k, v in env["packages"].items() if v),
        "",
        "| workload | " + " | ".join(header for _, header, _ in COLUMNS) + " |",
        "|---|" + "---:|" * len(COLUMNS),
    ]
    for name, stats in result["summary"].items():
        cells = [_cell(stats.get(key), decimals) for key, _, decimals in COLUMNS]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += _ceiling(result["summary"])
    lines += _paired(result.get("runs") or {})
    mapping = result["mapping"]
    lines += [
        "",
        f"Mapping in-process: {mapping['map_ms_per_resource']:.3f} ms CPU per resource "
        f"(case_to_bundle), {mapping['parse_ms_per_case']:.3f} ms per case to validate the "
        "case JSON (parse_case).",
        "",
        "| goal | value | target | met |",
        "|---|---:|---:|---|",
    ]
    for goal in result["goals"]:
        value, met = _goal_value(goal["value"]), _met(goal["met"])
        lines.append(f"| {goal['name']} | {value} | {goal['goal']} | {met} |")
    return "\n".join(lines) + "\n"


def write_results(
    result: Mapping[str, Any],
    directory: Path,
    *,
    suffix: str = "",
    render: Callable[[Mapping[str, Any]], str] = render_markdown,
) -> tuple[Path, Path]:
    """``<date>-<cases><suffix>.json`` (everything) and ``.md`` (``render``'s report)."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"{result['date']}-{result['cases']}{suffix}"
    json_path, md_path = directory / f"{stem}.json", directory / f"{stem}.md"
    json_path.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    md_path.write_text(render(result), encoding="utf-8")
    return json_path, md_path

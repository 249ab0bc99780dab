"""The pull benchmark's arithmetic and report: pull ÷ naive re-read ratios, the goals, the
Markdown page. Pure functions over the result dictionary (tested with made-up numbers)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from bench.report import _cell

__all__ = ["MODES", "NAIVE", "PULLS", "goals", "ratios", "render_pull"]

PULLS: Final = ("pull", "pull type-history")
NAIVE: Final = "naive re-read"
MODES: Final = (*PULLS, NAIVE)
#: (key, label) of the ratios.
METRICS: Final = (("wall_s", "wall time"), ("requests", "requests"), ("peak_rss_mb", "peak RSS"))
RSS_GROWTH_GOAL: Final = 1.5

Runs = Mapping[str, Sequence[Mapping[str, Any]]]
Summary = Mapping[str, Mapping[str, Mapping[str, float]]]


def ratios(runs: Runs, summary: Summary) -> dict[str, Any]:
    """Each pull ÷ the naive re-read per metric: of the medians and within each repetition
    (the steadier reading on a shared machine whose speed drifts)."""
    out: dict[str, Any] = {}
    for mode in PULLS:
        out[mode] = {}
        for key, _ in METRICS:
            naive = summary[NAIVE][key]["median"]
            paired = [
                p[key] / n[key] if n[key] else None
                for p, n in zip(runs[mode], runs[NAIVE], strict=True)
            ]
            of_medians = summary[mode][key]["median"] / naive if naive else None
            out[mode][key] = {"of_medians": of_medians, "per_repetition": paired}
    return out


def _entry(name: str, value: float | None, limit: float | None) -> dict[str, Any]:
    """A goal row: met when ``value`` is at most ``limit``; no limit: reported only."""
    met = None if value is None or limit is None else value <= limit
    return {"name": name, "value": value, "goal": None if limit is None else f"<= {limit:g}",
            "met": met}  # fmt: skip


def goals(
    runs: Runs,
    summary: Summary,
    found: Mapping[str, Any],
    baseline: Mapping[str, Any] | None,
    cases: int,
) -> list[dict[str, Any]]:
    """Exactness (every run found exactly the changed cases), pull ÷ naive (at most 1 for
    time and requests: the pull must not cost more than reading everything; RSS reported),
    and the pull's peak RSS at this size ÷ at the baseline's (at most 1.5)."""
    wrong = sum(r["missed"] + r["extra"] for mode in MODES for r in runs[mode])
    rows = [_entry("W5 cases found that did not change or changes missed (all runs)", wrong, 0)]
    for mode in PULLS:
        for key, label in METRICS:
            limit = None if key == "peak_rss_mb" else 1.0
            value = found[mode][key]["of_medians"]
            rows.append(_entry(f"W5 {mode} ÷ naive re-read, {label}", value, limit))
    growth = None
    if baseline is not None:
        before = baseline["summary"]["pull"]["peak_rss_mb"]["median"]
        growth = summary["pull"]["peak_rss_mb"]["median"] / before
    then = f"{baseline['cases']} cases" if baseline is not None else "(none)"
    name = f"W5 pull peak RSS {cases} cases ÷ {then}"
    rows.append(_entry(name, growth, RSS_GROWTH_GOAL if baseline is not None else None))
    return rows


def _value(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g}"


def render_pull(result: Mapping[str, Any]) -> str:
    """The Markdown report of one run."""
    env, setup = result["environment"], result["setup"]
    machine, server = env["machine"], env.get("server") or {}
    push, first = setup["push"], setup["first_pull"]
    lines = [
        f"# adapter pull {result['date']}: {result['cases']} cases, "
        f"{result['changed_cases']} changed on the server",
        "",
        f"{result['cases']} cases ({setup['resources']} resources) pushed by the adapter in "
        f"{push['wall_s']:.1f} s; first pull {first['wall_s']:.1f} s ({first['requests']} "
        f"requests). Then a provider changed {result['changed_cases']} cases by plain HTTP "
        f"({', '.join(f'{n} {t}' for t, n in setup['changed_by_type'].items())}). "
        f"{result['repetitions']} repetitions (median, min-max), each run on a copy of the "
        f"ledger after the first pull, in a process of its own. Machine: {machine['nproc']} "
        f"cores ({machine['cpu_model']}), {machine['memory_gb']} GB; server {server.get('name')} "
        f"{server.get('version')} on {env['database']}; adapter at {env.get('commit')}; "
        f"Python {env['python']}.",
        "",
        "| read | wall s | requests | entries read | client CPU s | peak RSS MB | cases found |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for mode in MODES:
        s = result["summary"][mode]
        cells = [
            _cell(s.get("wall_s"), 2),
            _cell(s.get("requests"), 0),
            _cell(s.get("entries_read"), 0),
            _cell(s.get("cpu_s"), 2),
            _cell(s.get("peak_rss_mb"), 0),
            _cell(s.get("cases"), 0),
        ]
        lines.append(f"| {mode} | " + " | ".join(cells) + " |")
    lines += ["", "| ratio ÷ naive re-read | " + " | ".join(k for _, k in METRICS) + " |",
              "|---|" + "---:|" * len(METRICS)]  # fmt: skip
    for mode in PULLS:
        cells = []
        for key, _ in METRICS:
            found = result["ratios"][mode][key]
            each = ", ".join(_value(v) for v in found["per_repetition"])
            cells.append(f"{_value(found['of_medians'])} ({each})")
        lines.append(f"| {mode} | " + " | ".join(cells) + " |")
    lines += ["", "Of the medians (within each repetition).", "",
              "| goal | value | target | met |", "|---|---:|---:|---|"]  # fmt: skip
    for goal in result["goals"]:
        met = {True: "yes", False: "**no**", None: "-"}[goal["met"]]
        lines.append(
            f"| {goal['name']} | {_value(goal['value'])} | {goal['goal'] or 'reported'} | {met} |"
        )
    return "\n".join(lines) + "\n"

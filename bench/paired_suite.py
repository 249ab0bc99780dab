"""``bench/run --paired``: the latency tiers end to end (data, warm-up, Toxiproxy, every tier),
their report and result files ``<date>-<cases>-paired.json`` / ``.md``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.dataset import make_dataset
from bench.latency import LatencyProxy
from bench.machine import environment
from bench.report import write_results
from bench.suite import Options, Suite
from bench.tiers import TierPlan, run_tier

__all__ = ["render_paired", "run_paired", "save_paired"]


def run_paired(options: Options, say: Callable[[str], None]) -> dict[str, Any]:
    if options.toxiproxy is None:
        raise ValueError("--paired needs the toxiproxy-server binary (bench/run builds it)")
    options.workdir.mkdir(parents=True, exist_ok=True)
    say(f"generating {options.cases} cases (seed {options.seed}) in {options.workdir}")
    data = make_dataset(options.workdir / "data", options.cases, seed=options.seed)
    suite = Suite(options, data, say)
    software = suite.hapi.software()
    tiers: list[dict[str, Any]] = []
    proxy = LatencyProxy(
        options.toxiproxy,
        options.server,
        api_port=options.proxy_api_port,
        listen_port=options.proxy_port,
        log=options.workdir / "toxiproxy.log",
    )
    with proxy:
        say("warming up HAPI")
        suite.warm_up()
        for rtt in options.rtts:
            plan = TierPlan(rtt, options.pairs, options.naive, options.baseline_tree is not None)
            tiers.append(run_tier(suite, proxy, plan, say))
        suite.hapi.reset()
    suite.hapi.close()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "kind": "paired",
        "cases": options.cases,
        "seed": options.seed,
        "pairs": options.pairs,
        "concurrency": options.concurrency,
        "adapter_concurrency": options.adapter_concurrency,
        "environment": environment(software, options.database),
        "baseline_tree": str(options.baseline_tree) if options.baseline_tree else None,
        "dataset": {"cases": data.cases, "resources": data.resources},
        "tiers": tiers,
        "goals": [goal for tier in tiers for goal in tier["goals"]],
    }


def _in_flight(result: Mapping[str, Any]) -> str:
    every = f"{result['concurrency']} cases in flight"
    adapter = result.get("adapter_concurrency", result["concurrency"])
    if adapter == result["concurrency"]:
        return every + " for every client"
    if adapter is None:
        return (
            every + " for the baselines; the adapter at its defaults (10 cases, requests in "
            "flight adaptive up to 8)"
        )
    return every + f" for the baselines, {adapter} for the adapter"


def _interval(goal: Mapping[str, Any]) -> tuple[str, str, str]:
    found = goal.get("interval")
    if not found:
        return "not measured", "-", "-"
    spread = f"{found['min']:.3g}-{found['max']:.3g}"
    return f"{found['median']:.3g}", f"[{found['ci_low']:.3g}, {found['ci_high']:.3g}]", spread


def render_paired(result: Mapping[str, Any]) -> str:
    env = result["environment"]
    server = env.get("server") or {}
    lines = [
        f"# Paired latency tiers {result['date']}: {result['cases']} cases",
        "",
        f"{result['cases']} cases ({result['dataset']['resources']} resources), seed "
        f"{result['seed']}, {result['pairs']} pairs per tier (order rotated), "
        f"{_in_flight(result)}; server "
        f"{server.get('name')} {server.get('version')} on {env['database']}; "
        f"adapter at {env.get('commit')}; {env['machine']['nproc']} cores.",
        "",
        *(
            [
                f"`adapter base`: the adapter of `{result['baseline_tree']}` (--baseline-tree), "
                "in every pair, for before and after in the same script.",
                "",
            ]
            if result.get("baseline_tree")
            else []
        ),
        "| tier | member | W1 wall s per pair |",
        "|---|---|---|",
    ]
    for tier in result["tiers"]:
        for member, runs in tier["runs"].items():
            walls = ", ".join(f"{r['wall_s']:.1f}" for r in runs)
            lines.append(f"| {tier['rtt_ms']} ms | {member} | {walls} |")
    lines += [
        "",
        "Median of the paired ratios, bootstrap 95 % interval (10,000 resamples), range. A goal "
        "is met when the whole interval meets it.",
        "",
        "| goal | median | 95 % interval | range | target | met |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for goal in result["goals"]:
        median, interval, spread = _interval(goal)
        met = {True: "yes", False: "**no**", None: "-"}[goal["met"]]
        lines.append(
            f"| {goal['name']} | {median} | {interval} | {spread} | {goal['goal']} | {met} |"
        )
    return "\n".join(lines) + "\n"


def save_paired(result: Mapping[str, Any], directory: Path) -> tuple[Path, Path]:
    return write_results(result, directory, suffix="-paired", render=render_paired)

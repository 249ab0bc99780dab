"""One benchmark run: data, warm-up, the workloads and baselines per repetition, results.

Server state before each chain is known: ``$expunge`` of everything and a fresh ledger file.
Per repetition the adapter chain runs W1 (empty server), W3 (no change), W2 (1 % changed),
then a provider completes one task in 1 % of the cases and W4 pulls since just before that;
B0 runs W1, W2 and W4 on a fresh server the same way; B1 runs W1. Every workload is a
subprocess (:mod:`bench.worker`); writes are counted from HAPI's version total around it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.dataset import Dataset, make_dataset, read_cases
from bench.machine import environment
from bench.mapping import mapping_cpu
from bench.report import write_results
from bench.server import HapiControl
from bench.summary import goals, peak_rss, summarise

__all__ = ["Options", "run_suite", "save"]

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Options:
    server: str
    cases: int
    seed: int
    repetitions: int
    concurrency: int
    workdir: Path
    out: Path
    database: str
    database_url: str | None = None
    warmup_cases: int = 50
    naive: bool = True
    #: The adapter's cases in flight; None: its own default (send window ceiling + 2).
    adapter_concurrency: int | None = 4
    dry_run: bool = False
    #: Paired latency tiers (bench/tiers.py) instead of the repetition suite.
    paired: bool = False
    pairs: int = 5
    rtts: tuple[int, ...] = (0, 20, 50)
    toxiproxy: Path | None = None
    proxy_api_port: int = 18474
    proxy_port: int = 18091
    #: A source tree of an earlier commit (``git archive``): its adapter is a member of every
    #: pair (``adapter base``), so before and after are measured in the same script.
    baseline_tree: Path | None = None


class Suite:
    def __init__(self, options: Options, data: Dataset, say: Callable[[str], None]) -> None:
        self.o = options
        self.data = data
        self.say = say
        self.hapi = HapiControl(options.server, options.database_url)
        self.runs: dict[str, list[dict[str, Any]]] = defaultdict(list)

    def worker(self, name: str, spec: dict[str, Any], tree: Path = ROOT) -> dict[str, Any]:
        """Run one workload in a subprocess (its code from ``tree``: this one, or the baseline
        tree); add the writes HAPI saw during it."""
        spec = {
            "server": self.o.server,
            "concurrency": self.o.concurrency,
            "adapter_concurrency": self.o.adapter_concurrency,
            **spec,
        }
        stem = self.o.workdir / name.replace(" ", "-")
        spec_path, out_path = stem.with_suffix(".spec.json"), stem.with_suffix(".out.json")
        spec_path.write_text(json.dumps(spec, default=str), encoding="utf-8")
        before = self.hapi.mark()
        subprocess.run(
            [sys.executable, "-m", "bench.worker", str(spec_path), str(out_path)],
            check=True,
            cwd=tree,
        )
        result: dict[str, Any] = json.loads(out_path.read_text(encoding="utf-8"))
        result["writes"] = self.hapi.writes_since(before)
        return result

    def record(self, name: str, result: dict[str, Any]) -> None:
        self.runs[name].append(result)
        self.say(
            f"{name}: {result['wall_s']:.2f} s, {result['requests']} requests, "
            f"{result['writes']} writes, CPU {result['cpu_s']:.2f} s"
        )

    def fresh_ledger(self, tag: str) -> str:
        path = self.o.workdir / f"ledger-{tag}.db"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"

    def provider_edits(self) -> datetime:
        """Server time just before a provider completes a task in 1 % of the cases."""
        since = self.hapi.server_time()
        wanted = set(self.data.provider_ids)
        cases = [c for c in read_cases(self.data.original) if c.id in wanted]
        self.hapi.complete_tasks(cases)
        return since

    def warm_up(self) -> None:
        warm = make_dataset(
            self.o.workdir / "warm", self.o.warmup_cases, seed=self.o.seed + 1, prefix="WARM"
        )
        self.hapi.reset()
        push = {
            "kind": "adapter-push",
            "ledger": self.fresh_ledger("warm"),
            "cases": str(warm.original),
        }
        self.worker("warm adapter", push)
        self.worker("warm B0", {"kind": "b0-post", "cases": str(warm.changed)})
        if self.o.naive:
            self.worker("warm B1", {"kind": "b1-fhirpy", "cases": str(warm.original)})
        self.hapi.reset()

    def adapter_chain(self, rep: int) -> None:
        self.hapi.reset()
        ledger = self.fresh_ledger(str(rep))
        original, changed = str(self.data.original), str(self.data.changed)
        push = {"kind": "adapter-push", "ledger": ledger}
        self.record("W1 adapter", self._all(self.worker("W1 adapter", {**push, "cases": original})))
        self.record("W3 adapter", self._all(self.worker("W3 adapter", {**push, "cases": original})))
        w2 = self._all(self.worker("W2 adapter", {**push, "cases": changed}))
        self.record("W2 adapter", {**w2, "changed_cases": len(self.data.changed_ids)})
        since = self.provider_edits()
        pull = {"kind": "adapter-pull", "ledger": ledger, "since": since.isoformat()}
        self.record("W4 adapter", self.worker("W4 adapter", pull))

    def baseline_chain(self) -> None:
        self.hapi.reset()
        original, changed = str(self.data.original), str(self.data.changed)
        self.record(
            "W1 B0", self._all(self.worker("W1 B0", {"kind": "b0-post", "cases": original}))
        )
        b0_w2 = {"kind": "b0-post", "cases": changed, "before": original}
        w2 = self.worker("W2 B0", b0_w2)
        self.record("W2 B0", {**w2, "changed_cases": len(self.data.changed_ids)})
        since = self.provider_edits()
        self.record(
            "W4 B0", self.worker("W4 B0", {"kind": "b0-history", "since": since.isoformat()})
        )
        if self.o.naive:
            self.hapi.reset()
            b1 = self.worker("W1 B1", {"kind": "b1-fhirpy", "cases": original})
            self.record("W1 B1", self._all(b1))

    def _all(self, result: dict[str, Any]) -> dict[str, Any]:
        """W1-W3 handle every case and resource of the data set, whatever was sent."""
        return {**result, "cases": self.data.cases, "resources": self.data.resources}


def run_suite(options: Options, say: Callable[[str], None]) -> dict[str, Any]:
    options.workdir.mkdir(parents=True, exist_ok=True)
    say(f"generating {options.cases} cases (seed {options.seed}) in {options.workdir}")
    data = make_dataset(options.workdir / "data", options.cases, seed=options.seed)
    mapping = mapping_cpu(data.original)
    say(f"mapping: {mapping['map_ms_per_resource']:.3f} ms CPU per resource")
    suite = Suite(options, data, say)
    software = None
    if not options.dry_run:
        software = suite.hapi.software()
        say("warming up HAPI")
        suite.warm_up()
        for rep in range(options.repetitions):
            say(f"repetition {rep + 1}/{options.repetitions}")
            suite.adapter_chain(rep)
            suite.baseline_chain()
        suite.hapi.reset()
    suite.hapi.close()
    return _result(options, data, mapping, suite.runs, environment(software, options.database))


def _result(
    options: Options,
    data: Dataset,
    mapping: dict[str, Any],
    runs: dict[str, list[dict[str, Any]]],
    env: dict[str, Any],
) -> dict[str, Any]:
    summary = summarise(runs)
    other = _other_tier(options.out, options.cases)
    found = goals(
        summary,
        mapping_ms_per_resource=mapping["map_ms_per_resource"],
        rss_other_tier=other,
        cases=options.cases,
    )
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "cases": options.cases,
        "seed": options.seed,
        "repetitions": options.repetitions,
        "concurrency": options.concurrency,
        "dry_run": options.dry_run,
        "environment": env,
        "dataset": {
            "cases": data.cases,
            "resources": data.resources,
            "changed_cases": list(data.changed_ids),
            "provider_cases": list(data.provider_ids),
        },
        "mapping": mapping,
        "summary": {n: {k: s.as_dict() for k, s in stats.items()} for n, stats in summary.items()},
        "adapter_peak_rss_mb": peak_rss(summary),
        "goals": [g.as_dict() for g in found],
        "runs": runs,
    }


def _other_tier(directory: Path, cases: int) -> tuple[int, float] | None:
    """The adapter's peak RSS from the newest result of the other tier (1k <-> 10k)."""
    other = {1000: 10000, 10000: 1000}.get(cases)
    if other is None:
        return None
    files = sorted(directory.glob(f"*-{other}.json"))
    if not files:
        return None
    rss = json.loads(files[-1].read_text(encoding="utf-8")).get("adapter_peak_rss_mb")
    return (other, float(rss)) if rss else None


def save(result: dict[str, Any], options: Options) -> tuple[Path, Path] | None:
    return None if options.dry_run else write_results(result, options.out)

"""W5: ``adapter pull`` after 10 % of the cases changed on the server, against a naive full
re-read (issue 19).

``bench/pull-bench [--cases 1000] [--repetitions 2] [--server URL]``: wipes the server
(``$expunge``), generates ``--cases`` cases (:mod:`bench.dataset`), pushes them with the adapter
under a namespace, waits until the push is older than the pull's overlap (else the next pull
reads the push's own writes again), takes the first pull (the baseline watermark) and keeps
that ledger. A provider then changes ``--fraction`` of the cases by plain HTTP
(:mod:`bench.provider`: a Task completed, a Goal achieved). Per repetition, each on a fresh copy
of the baseline ledger and in a process of its own (:mod:`bench.worker`): ``adapter pull``
(the default strategy), ``adapter pull`` with ``type-history`` (a server without system
history) and the naive re-read (:mod:`bench.pull_workloads`). Every run must find exactly the
changed cases. Results: ``bench/results/<date>-<cases>-pull.{json,md}``; the report's arithmetic
is :mod:`bench.pull_report`. The server must already run; never the shared test server.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from adapter.sync.pull.run import DEFAULT_OVERLAP
from bench.dataset import make_dataset, read_cases
from bench.machine import environment
from bench.own_server import publish, refuse_shared, server_parser
from bench.provider import apply_edits, plan_edits
from bench.pull_report import MODES, goals, ratios, render_pull
from bench.server import HapiControl
from bench.stats import summarise_runs
from bench.suite import ROOT
from bench.verify_ratio import say

__all__ = ["main"]

NAMESPACE: Final = "pullbench"
#: How each mode runs in the worker.
SPECS: Final[dict[str, dict[str, str]]] = {
    "pull": {"kind": "adapter-pull-stored", "strategy": "auto"},
    "pull type-history": {"kind": "adapter-pull-stored", "strategy": "type-history"},
    "naive re-read": {"kind": "naive-reread"},
}


def _options(argv: list[str]) -> argparse.Namespace:
    parser = server_parser("bench/pull-bench", "Time adapter pull against a naive full re-read.")
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--repetitions", type=int, default=2)
    parser.add_argument("--fraction", type=float, default=0.1, help="cases changed on the server")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--concurrency", type=int, default=4, help="cases in flight (push)")
    parser.add_argument("--baseline", type=Path, default=None, help="a 1k result, for RSS 10k/1k")
    parser.add_argument(
        "--no-settle",
        action="store_true",
        help="skip the wait for the overlap (the pulls then re-read the push's last writes)",
    )
    args = parser.parse_args(argv)
    if args.cases < 1 or args.repetitions < 1 or not 0 < args.fraction <= 1:
        parser.error("--cases and --repetitions at least 1, --fraction in (0, 1]")
    refuse_shared(parser, args)
    return args


def _worker(name: str, spec: dict[str, Any], workdir: Path) -> dict[str, Any]:
    """One workload in a subprocess (the namespace also in its environment, for the push)."""
    spec_path, result_path = workdir / f"{name}.spec.json", workdir / f"{name}.out.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    env = {**os.environ, "ADAPTER_NAMESPACE": NAMESPACE}
    command = [sys.executable, "-m", "bench.worker", str(spec_path), str(result_path)]
    subprocess.run(command, check=True, cwd=ROOT, env=env)
    result: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8"))
    return result


def _settle(hapi: HapiControl, overlap: timedelta) -> float:
    """Wait until the last write is older than ``overlap`` on the server's clock; seconds."""
    start = time.perf_counter()
    until = hapi.server_time() + overlap + timedelta(seconds=2)
    while hapi.server_time() < until:
        time.sleep(10)
    return time.perf_counter() - start


def prepare(args: argparse.Namespace, workdir: Path, hapi: HapiControl) -> dict[str, Any]:
    """Server and baseline ledger ready for the measured pulls; what it took and changed."""
    say(f"wiping {args.server} ($expunge)")
    hapi.reset()
    data = make_dataset(workdir / "data", args.cases, seed=args.seed)
    ledger = workdir / "baseline.db"
    ledger.unlink(missing_ok=True)
    spec = {"server": args.server, "ledger": f"sqlite:///{ledger}", "namespace": NAMESPACE}
    say(f"pushing {args.cases} cases ({data.resources} resources) with the adapter")
    push = _worker(
        "push",
        {**spec, "kind": "adapter-push", "cases": str(data.original),
         "concurrency": args.concurrency},
        workdir,
    )  # fmt: skip
    say(f"pushed in {push['wall_s']:.1f} s, {push['cases_failed']} failed")
    if push["cases"] != args.cases or push["cases_failed"]:
        raise SystemExit(f"the push did not land every case: {push}")
    waited = 0.0 if args.no_settle else _settle(hapi, DEFAULT_OVERLAP)
    first = _worker("first-pull", {**spec, **SPECS["pull"]}, workdir)
    say(f"first pull: {first['wall_s']:.1f} s, {first['requests']} requests")
    edits = plan_edits(read_cases(data.original), args.fraction, NAMESPACE)
    start = time.perf_counter()
    apply_edits(args.server, edits)
    changed = sorted({e.case_id for e in edits})
    by_type = {t: sum(1 for e in edits if e.resource_type == t) for t in ("Task", "Goal")}
    say(f"provider changed {len(changed)} cases ({by_type}) in {time.perf_counter() - start:.1f} s")
    return {
        "resources": data.resources,
        "push": push,
        "settle_s": waited,
        "first_pull": first,
        "changed_cases": changed,
        "changed_by_type": by_type,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="cm-pull-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    hapi = HapiControl(args.server)
    software = hapi.software()
    setup = prepare(args, workdir, hapi)
    hapi.close()
    expected = set(setup.pop("changed_cases"))
    runs: dict[str, list[dict[str, Any]]] = {mode: [] for mode in MODES}
    for rep in range(args.repetitions):
        for mode in MODES:
            ledger = workdir / f"ledger-{rep}-{mode.replace(' ', '-')}.db"
            shutil.copyfile(workdir / "baseline.db", ledger)
            spec = {"server": args.server, "ledger": f"sqlite:///{ledger}", "namespace": NAMESPACE}
            found = _worker(f"{mode.replace(' ', '-')}-{rep}", {**spec, **SPECS[mode]}, workdir)
            seen = set(found.pop("changed_cases"))
            found["missed"], found["extra"] = len(expected - seen), len(seen - expected)
            runs[mode].append(found)
            say(
                f"repetition {rep + 1} {mode}: {found['wall_s']:.2f} s, "
                f"{found['requests']} requests, peak RSS {found['peak_rss_mb']:.0f} MB, "
                f"{found['cases']} cases ({found['missed']} missed, {found['extra']} extra)"
            )
    summary = {
        mode: {k: s.as_dict() for k, s in summarise_runs(runs[mode]).items()} for mode in MODES
    }
    found_ratios = ratios(runs, summary)
    baseline = _baseline(args)
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "cases": args.cases,
        "fraction": args.fraction,
        "changed_cases": len(expected),
        "repetitions": args.repetitions,
        "server": args.server,
        "environment": environment(software, args.database),
        "setup": setup,
        "runs": runs,
        "summary": summary,
        "ratios": found_ratios,
        "goals": goals(runs, summary, found_ratios, baseline, args.cases),
    }


def _baseline(args: argparse.Namespace) -> dict[str, Any] | None:
    """The 1,000-case result the RSS goal compares with: ``--baseline``, else the newest in
    ``--out`` (none when this run is itself at 1,000 cases or fewer)."""
    if args.baseline is not None:
        loaded: dict[str, Any] = json.loads(args.baseline.read_text(encoding="utf-8"))
        return loaded
    if args.cases <= 1000:
        return None
    found = sorted(args.out.glob("*-1000-pull.json"))
    return json.loads(found[-1].read_text(encoding="utf-8")) if found else None


def main(argv: list[str] | None = None) -> int:
    args = _options(sys.argv[1:] if argv is None else argv)
    result = run(args)
    publish(result, args.out, "-pull", render_pull)
    exact = all(r["missed"] == r["extra"] == 0 for mode in MODES for r in result["runs"][mode])
    return 0 if exact else 1


if __name__ == "__main__":
    raise SystemExit(main())

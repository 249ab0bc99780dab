"""``bench/run --scale``: several ``adapter push`` workers on one PostgreSQL ledger.

For each worker count (``--workers 1,2,4``): HAPI emptied (``$expunge`` + VACUUM), a fresh
ledger database, then W worker processes started at once on the same N generated cases, each
with ``--concurrency`` cases in flight, sharing them through case leases (docs/scale.md).
Measured: wall time to the last worker's exit, cases/s, cases written twice (by two workers:
must be 0), resource versions HAPI stored (the server marker aside) against the distinct
resources of the dataset (a
resource written twice, or by two workers, shows as more), ``adapter verify`` (ledger =
server), client CPU, HAPI's CPU (its process, when its pid file is found), and the ledger's
committed transactions and rows written per case (``pg_stat_database``), the per-case costs
docs/scale.md computes its limits from.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from adapter.mappings.bundle import case_to_resources
from bench.dataset import make_dataset, read_cases, transaction_bytes
from bench.machine import environment
from bench.report import write_results
from bench.scale_measure import LedgerDatabase, case_versions, hapi_cpu_seconds, render_scale
from bench.server import HapiControl

__all__ = ["main"]

ROOT = Path(__file__).resolve().parent.parent
ADAPTER = Path(sys.executable).with_name("adapter")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench/run --scale", description=__doc__)
    parser.add_argument("--server", default="http://127.0.0.1:18090/fhir")
    parser.add_argument("--database-url", required=True, help="HAPI's PostgreSQL (libpq URL)")
    parser.add_argument(
        "--ledger-server", default=None,
        help="libpq URL of the PostgreSQL for the ledgers (default: HAPI's server)",
    )  # fmt: skip
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--workers", default="1,2,4", help="worker counts, comma-separated")
    parser.add_argument("--concurrency", type=int, default=4, help="cases in flight per worker")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--hapi-pid-file", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    return parser


def main(argv: list[str] | None = None) -> int:
    options = _parser().parse_args(argv)
    counts = [int(n) for n in options.workers.split(",") if n.strip()]
    hapi = HapiControl(options.server, options.database_url)
    with tempfile.TemporaryDirectory(prefix="scale-bench-") as scratch:
        dataset = make_dataset(Path(scratch), options.cases, seed=options.seed)
        cases = list(read_cases(dataset.original))
        distinct = {
            (r["resourceType"], r["id"]): r for case in cases for r in case_to_resources(case)
        }
        per_case_bytes = sum(
            len(transaction_bytes(case_to_resources(case))) for case in cases
        ) / len(cases)
        tiers = [
            _tier(options, hapi, dataset.original, workers, len(distinct)) for workers in counts
        ]
    result = {
        "date": datetime.now(UTC).date().isoformat(),
        "kind": "scale",
        "cases": options.cases,
        "seed": options.seed,
        "concurrency_per_worker": options.concurrency,
        "environment": environment(hapi.software(), "PostgreSQL"),
        "dataset": {
            "cases": len(cases),
            "distinct_resources": len(distinct),
            "transaction_bytes_per_case": round(per_case_bytes),
        },
        "tiers": tiers,
        "goals": _goals(tiers),
    }
    hapi.close()
    json_path, md_path = write_results(result, options.out, suffix="-scale", render=render_scale)
    print(render_scale(result))
    print(f"results: {json_path} and {md_path}", file=sys.stderr)
    return 0 if all(goal["met"] for goal in result["goals"]) else 1


def _tier(
    options: argparse.Namespace, hapi: HapiControl, folder: Path, workers: int, resources: int
) -> dict[str, Any]:
    hapi.reset()
    ledger = LedgerDatabase(options.ledger_server or options.database_url, f"scale_w{workers}")
    ledger.create()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ADAPTER_")},
        "ADAPTER_FHIR_BASE_URL": options.server,
        "ADAPTER_LEDGER_URL": ledger.sqlalchemy_url,
        "ADAPTER_FHIR_ID_STRATEGY": "client",
        "ADAPTER_ALLOW_INSECURE_HTTP": "true",
    }
    versions, ledger_before = case_versions(options.database_url), ledger.activity()
    server_cpu = hapi_cpu_seconds(options.hapi_pid_file)
    command = [
        str(ADAPTER),
        "push",
        str(folder),
        "--json",
        "--concurrency",
        str(options.concurrency),
    ]
    started = time.perf_counter()
    before = os.times()
    processes = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(workers)
    ]
    outputs = [process.communicate() for process in processes]
    wall = time.perf_counter() - started
    after = os.times()
    server_cpu_after = hapi_cpu_seconds(options.hapi_pid_file)
    reports = [json.loads(out) if out.strip() else {} for out, _ in outputs]
    summaries = [report.get("summary", {}) for report in reports]
    written = sum(int(s.get("cases_written", 0)) for s in summaries)
    failed = sum(int(s.get("cases_failed", 0)) for s in summaries)
    held = sum(int(s.get("cases_held", 0)) for s in summaries)
    activity = ledger.activity() - ledger_before
    stored = case_versions(options.database_url) - versions
    agrees = _verify(env)
    ledger.drop()
    cpu = (after.children_user + after.children_system) - (
        before.children_user + before.children_system
    )
    n = options.cases
    return {
        "workers": workers,
        "exit_codes": [process.returncode for process in processes],
        "wall_s": wall,
        "cases_per_s": n / wall,
        "cases_written": written,
        "cases_written_twice": max(0, written - n),
        "cases_failed": failed,
        "cases_held": held,
        "resource_versions_stored": stored,
        "distinct_resources": resources,
        "extra_versions": stored - resources,
        "ledger_equals_server": agrees,
        "client_cpu_s": cpu,
        "client_cpu_ms_per_case": 1000 * cpu / n,
        "server_cpu_s": None if server_cpu is None or server_cpu_after is None
        else server_cpu_after - server_cpu,
        "ledger_transactions_per_case": activity.transactions / n,
        "ledger_rows_written_per_case": activity.rows_written / n,
        "stderr_tail": [err.decode(errors="replace")[-300:] for _, err in outputs if err.strip()],
    }  # fmt: skip


def _verify(env: dict[str, str]) -> bool:
    """``adapter verify``: every resource the ledger claims is on the server, as recorded."""
    done = subprocess.run(
        [str(ADAPTER), "verify", "--json"], env=env, capture_output=True, check=False
    )
    return done.returncode == 0 and bool(json.loads(done.stdout or b"{}").get("agrees"))


def _goals(tiers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    goals: list[dict[str, Any]] = []
    one = next((t for t in tiers if t["workers"] == 1), None)
    for tier in tiers:
        w = tier["workers"]
        duplicates = tier["cases_written_twice"] + max(0, tier["extra_versions"])
        goals.append(_goal(f"duplicates, {w} workers", duplicates, "== 0", duplicates == 0))
        ok = tier["ledger_equals_server"] and tier["cases_failed"] == 0 and not tier["cases_held"]
        goals.append(_goal(f"ledger = server, {w} workers", int(ok), "== 1", ok))
        if one is not None and w > 1:
            ratio = tier["cases_per_s"] / one["cases_per_s"]
            goals.append(
                _goal(
                    f"throughput {w} workers / 1 worker",
                    ratio,
                    ">= 1.0 (never slower)",
                    ratio >= 1.0,
                )
            )
    return goals


def _goal(name: str, value: float, goal: str, met: bool) -> dict[str, Any]:
    return {"name": name, "value": value, "goal": goal, "met": met}


if __name__ == "__main__":
    raise SystemExit(main())

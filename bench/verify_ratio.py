"""How long ``adapter verify`` takes compared with the initial push of the same cases.

``bench/verify-ratio [--cases 1000] [--server URL] [--repetitions 3]``: generates the cases
(``adapter generate``'s, seed 0), pushes them into a fresh SQLite ledger under a namespace of
their own (so the server need not be empty), then reads everything back with
:func:`adapter.sync.push.verify.verify` (by ``_id`` in chunks of 100, plus the namespace's tag
search for resources the ledger does not know) ``--repetitions`` times, and ``adapter verify``
once as a user runs it (a process of its own: imports, ledger open, the report). Prints a
Markdown table with the ratio verify ÷ initial push and writes it, with the raw numbers, to
``bench/results/<date>-verify-<cases>.{md,json}``. The server must already run; never the
shared test server on 8080.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from adapter.fhir import open_client
from adapter.politeness import politeness
from adapter.settings import Settings, load_settings
from adapter.sync.ledger import Ledger
from adapter.sync.push.inputs import case_files, iter_inputs
from adapter.sync.push.run import push_cases
from adapter.sync.push.verify import verify
from bench.cli import DEFAULT_SERVER, SHARED_PORT
from bench.dataset import make_dataset
from bench.machine import environment
from bench.server import HapiControl
from bench.suite import ROOT
from bench.timing import Recorder, TimedTransport, pooled_transport

__all__ = ["main", "ratio_table"]


def _options(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/verify-ratio", description="Time adapter verify against the initial push."
    )
    parser.add_argument("--server", default=DEFAULT_SERVER, help="FHIR base URL (own HAPI)")
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--concurrency", type=int, default=4, help="cases in flight (push)")
    parser.add_argument("--repetitions", type=int, default=3, help="verify runs (median)")
    parser.add_argument("--database", default="H2 in memory", help="label: HAPI's database")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--allow-shared-server", action="store_true")
    args = parser.parse_args(argv)
    if args.cases < 1 or args.repetitions < 1:
        parser.error("--cases and --repetitions must be at least 1")
    if urlsplit(args.server).port == SHARED_PORT and not args.allow_shared_server:
        parser.error(f"{args.server} is the shared test server; start your own HAPI")
    return args


def _timed(settings: Settings, recorder: Recorder) -> TimedTransport:
    return TimedTransport(pooled_transport(politeness(settings).max_concurrency), recorder)


async def _push(settings: Settings, ledger: Ledger, folder: Path, concurrency: int) -> Any:
    recorder = Recorder()
    async with open_client(settings, transport=_timed(settings, recorder)) as client:
        start = time.perf_counter()
        report = await push_cases(
            iter_inputs(folder),
            client=client,
            ledger=ledger,
            concurrency=concurrency,
            namespace=settings.namespace,
            total=len(case_files(folder)),
        )
        wall = time.perf_counter() - start
    return wall, recorder.requests, report.summary()


async def _verify(settings: Settings, ledger: Ledger) -> tuple[float, int, dict[str, Any]]:
    recorder = Recorder()
    async with open_client(settings, transport=_timed(settings, recorder)) as client:
        start = time.perf_counter()
        report = await verify(client, ledger, namespace=settings.namespace)
        wall = time.perf_counter() - start
    return wall, recorder.requests, report.summary()


def _cli_verify(env: dict[str, str]) -> tuple[float, int]:
    """``adapter verify`` as a user runs it, start to exit."""
    executable = Path(sys.executable).with_name("adapter")
    start = time.perf_counter()
    done = subprocess.run(
        [str(executable), "verify"], env={**os.environ, **env}, capture_output=True, check=False
    )
    return time.perf_counter() - start, done.returncode


def ratio_table(result: dict[str, Any]) -> str:
    """The Markdown report of one run."""
    push, ver = result["push"], result["verify"]
    cli_wall, cli_exit = result["cli_verify"]
    walls = ver["wall_s"]
    spread = f" ({min(walls):.2f}-{max(walls):.2f})" if len(walls) > 1 else ""
    return "\n".join(
        [
            f"{result['cases']} cases ({push['summary']['resources_written']} resources), "
            f"seed {result['seed']}, server {result['server_software']} on {result['database']}; "
            f"adapter at {result['commit']}",
            "",
            "| step | wall s | requests | result |",
            "|---|---:|---:|---|",
            f"| initial push | {push['wall_s']:.2f} | {push['requests']} | "
            f"{push['summary']['cases_written']} cases written, "
            f"{push['summary']['cases_failed']} failed |",
            f"| verify (library, median of {len(walls)}) | {ver['median_s']:.2f}{spread} | "
            f"{ver['requests']} | {ver['summary']['resources']} resources, "
            f"agrees: {ver['summary']['agrees']} |",
            f"| `adapter verify` (process) | {cli_wall:.2f} | - | exit {cli_exit} |",
            "",
            f"verify ÷ initial push: **{result['ratio']:.3f}** "
            f"(`adapter verify` process ÷ push: {cli_wall / push['wall_s']:.3f})",
        ]
    )


def say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> dict[str, Any]:
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="cm-verify-bench-"))
    data = make_dataset(workdir / "data", args.cases, seed=args.seed)
    env = {
        "ADAPTER_FHIR_BASE_URL": args.server.rstrip("/"),
        "ADAPTER_LEDGER_URL": f"sqlite:///{workdir / 'ledger.sqlite'}",
        "ADAPTER_NAMESPACE": f"bv{uuid.uuid4().hex[:8]}",
    }
    settings = load_settings(
        fhir_base_url=env["ADAPTER_FHIR_BASE_URL"],
        ledger_url=env["ADAPTER_LEDGER_URL"],
        namespace=env["ADAPTER_NAMESPACE"],
    )
    with Ledger.open(settings.ledger_url) as ledger:
        say(f"pushing {args.cases} cases to {settings.fhir_base_url}")
        push_wall, push_requests, push_summary = asyncio.run(
            _push(settings, ledger, data.original, args.concurrency)
        )
        say(f"push: {push_wall:.2f} s, {push_requests} requests")
        walls: list[float] = []
        for n in range(args.repetitions):
            wall, requests, summary = asyncio.run(_verify(settings, ledger))
            walls.append(wall)
            say(f"verify {n + 1}: {wall:.2f} s, {requests} requests, agrees {summary['agrees']}")
    cli = _cli_verify(env)
    say(f"adapter verify: {cli[0]:.2f} s, exit {cli[1]}")
    median = statistics.median(walls)
    hapi = HapiControl(args.server)
    software = hapi.software()
    hapi.close()
    about = environment(software, args.database)
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cases": args.cases,
        "seed": args.seed,
        "server": args.server,
        "database": args.database,
        "server_software": f"{software.get('name')} {software.get('version')}",
        "commit": about["commit"],
        "environment": about,
        "push": {"wall_s": push_wall, "requests": push_requests, "summary": push_summary},
        "verify": {
            "wall_s": walls,
            "median_s": median,
            "requests": requests,
            "summary": summary,
        },
        "cli_verify": cli,
        "ratio": median / push_wall,
    }


def main(argv: list[str] | None = None) -> int:
    args = _options(sys.argv[1:] if argv is None else argv)
    result = run(args)
    table = ratio_table(result)
    print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"{result['date'][:10]}-verify-{args.cases}"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    stem.with_suffix(".md").write_text(table + "\n", encoding="utf-8")
    print(f"bench: wrote {stem}.json and {stem}.md", file=sys.stderr)
    ok = result["verify"]["summary"]["agrees"] and result["cli_verify"][1] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""``bench/run``'s Python half: options, the suite, the report on stdout and in files."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from bench.paired_suite import render_paired, run_paired, save_paired
from bench.report import render_markdown
from bench.suite import ROOT, Options, run_suite, save

__all__ = ["main", "parse_options"]

DEFAULT_SERVER = "http://127.0.0.1:18090/fhir"
SHARED_PORT = 8080


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bench/run", description="Benchmark the sync against a local HAPI FHIR server."
    )
    parser.add_argument("--server", default=DEFAULT_SERVER, help="FHIR base URL (own HAPI)")
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=4, help="cases in flight")
    parser.add_argument(
        "--adapter-concurrency",
        default=None,
        help="the adapter's cases in flight: a number, or 'auto' for its own default (the send "
        "window's ceiling + 2, requests in flight adaptive); default: --concurrency",
    )
    parser.add_argument("--warmup-cases", type=int, default=50)
    parser.add_argument("--no-naive", action="store_true", help="skip B1 (fhirpy)")
    parser.add_argument("--database", default="PostgreSQL", help="label: HAPI's database")
    parser.add_argument(
        "--database-url",
        default=None,
        help="HAPI's PostgreSQL (libpq URL) to count versions in; default: page _history",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--workdir", type=Path, default=None, help="scratch (default: a temp dir)")
    parser.add_argument(
        "--dry-run", action="store_true", help="data and mapping only, no server, no files"
    )
    parser.add_argument(
        "--paired",
        action="store_true",
        help="paired latency tiers (adapter, B0, B1 back to back per pair, Toxiproxy RTTs)",
    )
    parser.add_argument("--pairs", type=int, default=5, help="pairs per tier (--paired)")
    parser.add_argument(
        "--rtt", default="0,20,50", help="round-trip times in ms to add, comma separated"
    )
    parser.add_argument(
        "--toxiproxy", type=Path, default=None, help="toxiproxy-server binary (bench/run builds it)"
    )
    parser.add_argument("--proxy-api-port", type=int, default=18474)
    parser.add_argument("--proxy-port", type=int, default=18091)
    parser.add_argument(
        "--baseline-tree",
        type=Path,
        default=None,
        help="source tree of an earlier commit (git archive): its adapter runs in every pair "
        "as 'adapter base' (--paired)",
    )
    parser.add_argument(
        "--allow-shared-server",
        action="store_true",
        help=f"allow port {SHARED_PORT}, the shared test server (do not benchmark it)",
    )
    return parser


def parse_options(argv: list[str]) -> Options:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.cases < 1 or args.repetitions < 1 or args.concurrency < 1:
        parser.error("--cases, --repetitions and --concurrency must be at least 1")
    if urlsplit(args.server).port == SHARED_PORT and not args.allow_shared_server:
        parser.error(
            f"{args.server} is the shared test server; start your own (bench/run --start-hapi)"
        )
    try:
        rtts = tuple(int(part) for part in args.rtt.split(",") if part.strip())
    except ValueError:
        parser.error("--rtt takes whole milliseconds, comma separated (e.g. 0,20,50)")
    if any(rtt < 0 for rtt in rtts) or not rtts or args.pairs < 1:
        parser.error("--rtt needs at least one value >= 0 and --pairs at least 1")
    if args.paired and args.dry_run:
        parser.error("--paired measures a server; it has no dry run")
    adapter = args.adapter_concurrency
    if adapter not in (None, "auto") and not (adapter.isdigit() and int(adapter) >= 1):
        parser.error("--adapter-concurrency takes a number >= 1 or 'auto'")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="cm-bench-"))
    return Options(
        server=args.server.rstrip("/"),
        cases=args.cases,
        seed=args.seed,
        repetitions=args.repetitions,
        concurrency=args.concurrency,
        adapter_concurrency=(
            args.concurrency if adapter is None else None if adapter == "auto" else int(adapter)
        ),
        workdir=workdir,
        out=args.out,
        database=args.database,
        database_url=args.database_url,
        warmup_cases=args.warmup_cases,
        naive=not args.no_naive,
        dry_run=args.dry_run,
        paired=args.paired,
        pairs=args.pairs,
        rtts=rtts,
        toxiproxy=args.toxiproxy,
        proxy_api_port=args.proxy_api_port,
        proxy_port=args.proxy_port,
        baseline_tree=args.baseline_tree,
    )


def main(argv: list[str] | None = None) -> int:
    options = parse_options(sys.argv[1:] if argv is None else argv)

    def say(message: str) -> None:
        print(f"bench: {message}", file=sys.stderr, flush=True)

    if options.paired:
        paired = run_paired(options, say)
        print(render_paired(paired))
        json_path, md_path = save_paired(paired, options.out)
        say(f"wrote {json_path} and {md_path}")
        return 0
    result = run_suite(options, say)
    print(render_markdown(result))
    written = save(result, options)
    if written is not None:
        say(f"wrote {written[0]} and {written[1]}")
    return 0

"""Options every stand-alone benchmark against its own HAPI shares (``bench/pull-bench``):
the server, a label for its database, where results and scratch go, and the refusal to wipe
the shared test server."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.cli import DEFAULT_SERVER, SHARED_PORT
from bench.report import write_results
from bench.suite import ROOT
from bench.verify_ratio import say

__all__ = ["publish", "refuse_shared", "server_parser"]


def server_parser(prog: str, description: str) -> argparse.ArgumentParser:
    """A parser with ``--server``, ``--database``, ``--out``, ``--workdir`` and
    ``--allow-shared-server``; the caller adds its own options."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--server", default=DEFAULT_SERVER, help="FHIR base URL (own HAPI)")
    parser.add_argument("--database", default="H2 in memory", help="label: HAPI's database")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--workdir", type=Path, default=None, help="scratch (default: a temp dir)")
    parser.add_argument("--allow-shared-server", action="store_true")
    return parser


def refuse_shared(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Stop (usage error) when ``--server`` is the shared test server, which a benchmark wipes."""
    if urlsplit(args.server).port == SHARED_PORT and not args.allow_shared_server:
        parser.error(f"{args.server} is the shared test server; start your own HAPI")


def publish(
    result: Mapping[str, Any], out: Path, suffix: str, render: Callable[[Mapping[str, Any]], str]
) -> None:
    """The report on stdout, and ``result`` as JSON and Markdown under ``out``."""
    print(render(result))
    paths = write_results(result, out, suffix=suffix, render=render)
    say(f"wrote {paths[0]} and {paths[1]}")

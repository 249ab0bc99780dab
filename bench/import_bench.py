"""Import time and peak RSS of ``adapter import``: REST paging against ``--bulk`` ($export).

``bench/import-bench [--episodes 1000] [--repetitions 2] [--server URL]``: wipes the server
(``$expunge``), writes ``--episodes`` foreign cases onto it by plain HTTP (each a Patient,
referral, EpisodeOfCare, Consent, CarePlan, two Goals and two Tasks, as another system writes
them: tests/support/foreign.py's generator, in transactions of whole episodes, two in flight),
then per repetition imports everything twice, each run a process of its own
(:mod:`bench.worker`, kind ``adapter-import``): REST (one client after the other, the
default) and ``--bulk``. Both write one JSON file per case; the two directories must hold the
same files, byte for byte. Bulk ÷ REST (wall time, peak RSS) is reported per repetition and
as the ratio of medians. Results: ``bench/results/<date>-<episodes>-import.{json,md}``. The
server must already run; never the shared test server on 8080.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from bench.cli import DEFAULT_SERVER, SHARED_PORT
from bench.machine import environment
from bench.report import write_results
from bench.server import HapiControl
from bench.stats import summarise_runs
from bench.suite import ROOT
from bench.verify_ratio import say
from tests.support.foreign import generated_episodes, post_raw, transaction_bundles

__all__ = ["main", "render_import"]

#: Resources per generated episode (tests/support/foreign.py): a transaction holds whole
#: episodes, so transactions can run side by side (none references another's resources).
PER_EPISODE: Final = 9
EPISODES_PER_TRANSACTION: Final = 44
MODES: Final = ("REST", "bulk")


def _options(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/import-bench", description="Time adapter import, REST paging vs --bulk."
    )
    parser.add_argument("--server", default=DEFAULT_SERVER, help="FHIR base URL (own HAPI)")
    parser.add_argument("--episodes", type=int, default=1000)
    parser.add_argument("--repetitions", type=int, default=2)
    parser.add_argument("--database", default="H2 in memory", help="label: HAPI's database")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--allow-shared-server", action="store_true")
    args = parser.parse_args(argv)
    if args.episodes < 1 or args.repetitions < 1:
        parser.error("--episodes and --repetitions must be at least 1")
    if urlsplit(args.server).port == SHARED_PORT and not args.allow_shared_server:
        parser.error(f"{args.server} is the shared test server; start your own HAPI")
    return args


def load(server: str, episodes: int) -> dict[str, Any]:
    """Write ``episodes`` foreign cases by plain HTTP; each answer is checked (post_raw)."""
    resources = generated_episodes(episodes, "bench")
    bundles = transaction_bundles(resources, size=PER_EPISODE * EPISODES_PER_TRANSACTION)
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda bundle: post_raw(server, [bundle]), bundles))
    return {
        "resources": len(resources),
        "transactions": len(bundles),
        "wall_s": time.perf_counter() - start,
    }


def _worker(server: str, name: str, out: Path, bulk: bool, workdir: Path) -> dict[str, Any]:
    spec = {"kind": "adapter-import", "server": server, "out": str(out), "bulk": bulk}
    spec_path, result_path = workdir / f"{name}.spec.json", workdir / f"{name}.out.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "bench.worker", str(spec_path), str(result_path)],
        check=True,
        cwd=ROOT,
    )
    result: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8"))
    result["files"] = sum(1 for _ in out.glob("*.json"))
    return result


def _texts(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.json"))}


def run(args: argparse.Namespace) -> dict[str, Any]:
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="cm-import-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    hapi = HapiControl(args.server)
    software = hapi.software()
    say(f"wiping {args.server} ($expunge)")
    hapi.reset()
    hapi.close()
    say(f"writing {args.episodes} foreign episodes by plain HTTP")
    loaded = load(args.server, args.episodes)
    say(f"loaded {loaded['resources']} resources in {loaded['wall_s']:.1f} s")
    runs: dict[str, list[dict[str, Any]]] = {mode: [] for mode in MODES}
    identical: list[bool] = []
    for rep in range(args.repetitions):
        folders = {}
        for mode in MODES:
            folder = workdir / f"{mode}-{rep}"
            found = _worker(args.server, f"{mode}-{rep}", folder, mode == "bulk", workdir)
            runs[mode].append(found)
            folders[mode] = folder
            say(
                f"repetition {rep + 1} {mode}: {found['wall_s']:.1f} s, "
                f"peak RSS {found['peak_rss_mb']:.0f} MB, {found['cases']} cases, "
                f"{found['requests']} requests"
            )
        identical.append(_texts(folders["REST"]) == _texts(folders["bulk"]))
    about = environment(software, args.database)
    summary = {
        mode: {k: s.as_dict() for k, s in summarise_runs(runs[mode]).items()} for mode in MODES
    }
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "cases": args.episodes,
        "episodes": args.episodes,
        "repetitions": args.repetitions,
        "server": args.server,
        "environment": about,
        "load": loaded,
        "runs": runs,
        "summary": summary,
        "ratios": _ratios(runs, summary),
        "identical_records": identical,
    }


def _ratios(
    runs: Mapping[str, list[dict[str, Any]]], summary: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """bulk ÷ REST: of the medians, and within each repetition (the steadier reading on a
    shared machine whose speed drifts between repetitions)."""
    out: dict[str, Any] = {}
    for key in ("wall_s", "peak_rss_mb"):
        rest, bulk = summary["REST"][key]["median"], summary["bulk"][key]["median"]
        paired = [b[key] / r[key] for r, b in zip(runs["REST"], runs["bulk"], strict=True)]
        out[key] = {"of_medians": bulk / rest, "per_repetition": paired}
    return out


def _cell(stats: Mapping[str, float], decimals: int) -> str:
    median, low, high = stats["median"], stats["min"], stats["max"]
    if round(low, decimals) == round(high, decimals):
        return f"{median:.{decimals}f}"
    return f"{median:.{decimals}f} ({low:.{decimals}f}-{high:.{decimals}f})"


def render_import(result: Mapping[str, Any]) -> str:
    """The Markdown report of one run."""
    env, load_ = result["environment"], result["load"]
    machine, server = env["machine"], env.get("server") or {}
    lines = [
        f"# adapter import {result['date']}: {result['episodes']} episodes, REST vs bulk",
        "",
        f"{result['episodes']} foreign episodes ({load_['resources']} resources, written in "
        f"{load_['wall_s']:.1f} s), {result['repetitions']} repetitions (median, min-max). "
        f"Machine: {machine['nproc']} cores ({machine['cpu_model']}), {machine['memory_gb']} GB; "
        f"server {server.get('name')} {server.get('version')} on {env['database']}; "
        f"adapter at {env.get('commit')}; Python {env['python']}.",
        "",
        "| import | wall s | cases/s | requests | client CPU s | peak RSS MB | case files |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for mode in MODES:
        s = result["summary"][mode]
        rate = s["cases"]["median"] / s["wall_s"]["median"]
        cells = [
            _cell(s["wall_s"], 1),
            f"{rate:.1f}",
            _cell(s["requests"], 0),
            _cell(s["cpu_s"], 1),
            _cell(s["peak_rss_mb"], 0),
            _cell(s["files"], 0),
        ]
        lines.append(f"| {mode} | " + " | ".join(cells) + " |")
    ratios = result["ratios"]
    for key, label in (("wall_s", "wall time"), ("peak_rss_mb", "peak RSS")):
        each = ", ".join(f"{r:.2f}" for r in ratios[key]["per_repetition"])
        lines.append(
            f"\nbulk ÷ REST {label}: **{ratios[key]['of_medians']:.2f}** (within each "
            f"repetition: {each})."
        )
    same = "yes" if all(result["identical_records"]) else "**no**"
    lines.append(f"\nREST and bulk wrote identical case files in every repetition: {same}.")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = _options(sys.argv[1:] if argv is None else argv)
    result = run(args)
    print(render_import(result))
    paths = write_results(result, args.out, suffix="-import", render=render_import)
    say(f"wrote {paths[0]} and {paths[1]}")
    complete = all(r["cases"] == args.episodes for mode in MODES for r in result["runs"][mode])
    return 0 if complete and all(result["identical_records"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Where a workload's client CPU goes: ``python -m bench.profile SPEC.json [--top N]``.

Runs the workload (a spec file that ``bench/run`` left in its work directory, e.g.
``W3-adapter.spec.json``) under py-spy, which samples every thread: the push engine does its
ledger work in worker threads (``asyncio.to_thread``), which a main-thread profiler such as
pyinstrument or cProfile does not see. Prints the share of busy samples per top-level package
and the adapter's functions by inclusive share. Samples of an idle event loop (waiting in
``select``) and of idle pool threads are left out.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

__all__ = ["busy_stacks", "main", "shares"]

_LINE = re.compile(r":\d+\)$")
_BUSY_ROOTS = ("measure (bench/worker.py", "_WorkItem.run (")
_IDLE = "EpollSelector.select ("


def busy_stacks(lines: Iterable[str]) -> Iterable[tuple[list[str], int]]:
    """(frames without line numbers, samples) of the collapsed stacks that did work."""
    for line in lines:
        stack, _, count = line.rstrip().rpartition(" ")
        if not count.isdigit() or _IDLE in stack:
            continue
        if not any(root in stack for root in _BUSY_ROOTS):
            continue
        yield [_LINE.sub(")", frame) for frame in stack.split(";")], int(count)


def shares(lines: Iterable[str]) -> tuple[int, Counter[str], Counter[str]]:
    """Total busy samples, samples per package of the leaf frame, inclusive per function."""
    total = 0
    packages: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    for frames, count in busy_stacks(lines):
        total += count
        leaf_file = frames[-1].rpartition("(")[2].rstrip(")")
        packages[leaf_file.split("/")[0]] += count
        for frame in set(frames):
            inclusive[frame] += count
    return total, packages, inclusive


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("spec", type=Path)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--rate", type=int, default=200, help="samples per second")
    args = parser.parse_args(argv)
    spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if spy is None:
        parser.error("py-spy is not installed (pip install -e '.[bench]')")
    with tempfile.TemporaryDirectory() as tmp:
        raw, out = Path(tmp) / "stacks.txt", Path(tmp) / "result.json"
        command = [spy, "record", "-r", str(args.rate), "-f", "raw", "-o", str(raw), "--"]
        command += [sys.executable, "-m", "bench.worker", str(args.spec), str(out)]
        subprocess.run(command, check=True, capture_output=True)
        total, packages, inclusive = shares(raw.read_text(encoding="utf-8").splitlines())
    print(f"busy samples: {total}")
    for name, count in packages.most_common(8):
        print(f"{100 * count / total:5.1f}%  {name} (leaf frames)")
    print()
    adapter = [(f, c) for f, c in inclusive.most_common() if "(adapter/" in f]
    for frame, count in adapter[: args.top]:
        print(f"{100 * count / total:5.1f}%  {frame}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

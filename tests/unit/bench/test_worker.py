"""The worker's own measurements."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_a_worker_reports_its_own_peak_rss_not_its_parents():
    # The parent grows far beyond what a fresh interpreter needs, then starts a worker-like
    # child: ru_maxrss would carry the parent's peak over into the child, VmHWM does not.
    ballast = bytearray(300 * 1024 * 1024)
    ballast[::4096] = b"x" * len(ballast[::4096])
    code = "from bench.worker import peak_rss_mb; print(peak_rss_mb())"
    child = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert float(child.stdout) < 200
    del ballast

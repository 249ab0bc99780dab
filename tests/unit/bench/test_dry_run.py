"""``bench/run --dry-run`` works without a server and writes no result files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
# The interpreter running the tests, whatever venv it lives in.
ENV = {**os.environ, "BENCH_PYTHON": sys.executable}


def test_dry_run_generates_maps_and_reports_without_a_server(tmp_path):
    out = tmp_path / "results"
    options = ["--cases", "5", "--repetitions", "1", "--dry-run"]
    paths = ["--workdir", str(tmp_path / "work"), "--out", str(out)]
    completed = subprocess.run(
        [str(ROOT / "bench" / "run"), *options, *paths],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=ENV,
    )
    assert completed.returncode == 0, completed.stderr
    assert "# Benchmark" in completed.stdout
    assert "no server (dry run)" in completed.stdout
    assert "| mapping CPU ms per resource |" in completed.stdout
    assert len(list((tmp_path / "work" / "data" / "original").glob("*.json"))) == 5
    assert not out.exists()


def test_the_shared_test_server_is_refused():
    completed = subprocess.run(
        [str(ROOT / "bench" / "run"), "--server", "http://127.0.0.1:8080/fhir", "--dry-run"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=ENV,
    )
    assert completed.returncode == 2
    assert "shared test server" in completed.stderr

"""An installed wheel carries the example cases: ``adapter demo --dry-run`` plans them from a
fresh virtual environment, run outside the checkout (no server, no ledger written)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


def test_demo_finds_the_examples_in_an_installed_wheel(tmp_path: Path):
    dist, venv, elsewhere = tmp_path / "dist", tmp_path / "venv", tmp_path / "elsewhere"
    elsewhere.mkdir()
    # Built from a copy of what the wheel is made of: setuptools leaves build/ where it builds.
    source = tmp_path / "source"
    shutil.copytree(
        REPO / "adapter", source / "adapter", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(REPO / "profiles", source / "profiles")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(REPO / name, source / name)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(source)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr[-2000:]
    [wheel] = dist.glob("cm_fhir_adapter-*.whl")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    installed = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", "--no-deps", "--no-index", str(wheel)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr[-2000:]
    env = {
        **os.environ,
        # The dependencies come from the test's environment; the adapter only from the wheel
        # (the checkout's editable install is a .pth file, not read from PYTHONPATH).
        "PYTHONPATH": sysconfig.get_paths()["purelib"],
        "ADAPTER_LEDGER_URL": str(tmp_path / "ledger.sqlite"),
    }
    demo = subprocess.run(
        [str(venv / "bin" / "adapter"), "demo", "--dry-run"],
        capture_output=True, text=True, check=False, cwd=elsewhere, env=env,
    )  # fmt: skip

    assert demo.returncode == 0, demo.stderr[-2000:]
    assert f"example cases: {venv}" in demo.stderr
    shipped = len(list((REPO / "adapter" / "examples" / "cases").glob("*.json")))
    assert f"{shipped} cases, {shipped} would be written" in demo.stdout
    assert not (tmp_path / "ledger.sqlite").exists()

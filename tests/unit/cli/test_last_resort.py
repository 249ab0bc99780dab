"""The CLI's last resort: an error no command handled is one line on stderr and exit 1, never a
traceback, unless ``--debug`` or ``ADAPTER_DEBUG=1`` asks for it.

Each test runs the real console entry point in its own process (typer installs its own
exception hook there), with ``adapter map`` made to fail in a way no command expects.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from adapter.cli.failures import last_resort
from adapter.errors import LedgerError

# Patient data in the unexpected error's message: the one line must not repeat it.
BOOM = """
import sys
import adapter.cli.map as command
from adapter.cli import main

def explode(path):
    raise KeyError("Okafor, Adaeze")

command.read_json = explode
sys.argv = ["adapter", *sys.argv[1:]]
main()
"""


def _run(*args: str, debug_env: bool = False) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "ADAPTER_DEBUG"}
    if debug_env:
        env["ADAPTER_DEBUG"] = "1"
    return subprocess.run(
        [sys.executable, "-c", BOOM, *args], capture_output=True, text=True, env=env, timeout=60
    )


def test_an_unexpected_error_is_one_line_naming_its_class_and_the_debug_switch(tmp_path: Path):
    done = _run("map", str(tmp_path / "case.json"))
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: unexpected KeyError in explode")
    assert "--debug or ADAPTER_DEBUG=1" in lines[0]
    assert "Okafor" not in done.stderr + done.stdout
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("how", ["--debug", "ADAPTER_DEBUG=1"])
def test_debug_shows_the_traceback(how: str, tmp_path: Path):
    args = ["--debug"] if how == "--debug" else []
    done = _run(*args, "map", str(tmp_path / "case.json"), debug_env=how != "--debug")
    assert done.returncode != 0
    assert "KeyError" in done.stderr
    assert len(done.stderr.splitlines()) > 5


def test_an_adapter_error_keeps_its_own_message():
    line = last_resort(LedgerError("ledger finish_run failed on sqlite:///x: disk I/O error"))
    assert line.startswith("ledger finish_run failed on sqlite:///x: disk I/O error (")

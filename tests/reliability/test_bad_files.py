"""Files and ledgers that break: one line per case, never a traceback, and the rest goes on.

``adapter push`` runs as its own process here (a regression could hang on a FIFO, and the
ledger's disk fills up through a real file-size limit on that process), against the real HAPI;
what lands is read back from HAPI directly.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from adapter.jsonfile import MAX_DEPTH
from tests.reliability.cli_support import (
    Installation,
    generated,
    installation,
    landing,
    write_cases,
)

pytestmark = pytest.mark.integration

LEDGER_LIMIT = 60_000  # bytes any file of the push may grow to: the ledger's WAL fills up


def _push(folder: Path, where: Installation, *, disk_limit: int | None = None) -> tuple[int, str]:
    def limited() -> None:  # in the child, before exec: a full disk for this process only
        if disk_limit is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of being killed
            resource.setrlimit(resource.RLIMIT_FSIZE, (disk_limit, disk_limit))

    done = subprocess.run(
        [str(Path(sys.executable).with_name("adapter")), "push", str(folder)],
        env={**os.environ, **where.env},
        capture_output=True,
        text=True,
        timeout=240,
        preexec_fn=limited,
    )
    return done.returncode, done.stdout + done.stderr


def test_a_deep_file_and_a_fifo_beside_valid_cases_fail_alone(fhir_base_url: str, tmp_path: Path):
    cases = generated(2, prefix="FILES")
    folder = write_cases(tmp_path / "cases", cases)
    (folder / "deep.json").write_text('{"id": "DEEP-1", "x": ' + "[" * 100_000 + "]" * 100_000)
    (folder / "nested.json").write_text('{"id": "DEEP-2", "x": ' + "[" * 900 + "]" * 900 + "}")
    os.mkfifo(folder / "x.json")
    where = installation(fhir_base_url, tmp_path, "files")

    code, output = _push(folder, where)

    assert code == 1, output
    assert "Traceback" not in output
    deep = f"(file): nested deeper than {MAX_DEPTH} levels"
    assert f"case deep.json: (file): nested deeper than {MAX_DEPTH} levels" in output, output
    assert f"case nested.json: {deep}" in output, output
    assert "case x.json: (file): not a regular file" in output, output
    result = landing(fhir_base_url, where, cases)
    assert result.exact, result.describe()


def test_a_ledger_that_fills_up_mid_run_fails_each_case_in_one_line_and_the_rest_goes_on(
    fhir_base_url: str, tmp_path: Path
):
    first, rest = generated(1, prefix="FULL-A"), generated(6, prefix="FULL-B")
    where = installation(fhir_base_url, tmp_path, "full")
    code, output = _push(write_cases(tmp_path / "first", first), where)
    assert code == 0, output

    code, output = _push(write_cases(tmp_path / "rest", rest), where, disk_limit=LEDGER_LIMIT)

    assert code == 1, output
    assert "Traceback" not in output
    lines = [line for line in output.splitlines() if line.lstrip().startswith("case ")]
    assert sorted(line.split(":")[0].split()[-1] for line in lines) == sorted(
        case["id"] for case in rest
    ), output  # every case was taken up, each told in exactly one line
    assert "[ledger-error] ledger" in output, output
    assert "disk" in output, output  # SQLite's own words: "disk I/O error" or "disk is full"

    code, output = _push(write_cases(tmp_path / "rest", rest), where)
    assert code == 0, output
    result = landing(fhir_base_url, where, first + rest)
    assert result.exact, result.describe()

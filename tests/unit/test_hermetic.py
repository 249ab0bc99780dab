"""The unit suite does not depend on the shell it was started from."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_stray_settings_and_a_dotenv_do_not_reach_the_tests(tmp_path: Path) -> None:
    # A developer's shell with a bearer token configured, and a .env pointing elsewhere.
    (tmp_path / ".env").write_text("ADAPTER_FHIR_BASE_URL=http://127.0.0.1:9/elsewhere\n")
    env = {
        **os.environ,
        "ADAPTER_FHIR_AUTH__KIND": "bearer",
        "ADAPTER_NAMESPACE": "stray",
        "ADAPTER_LEDGER_URL": "sqlite:////nonexistent/ledger.db",
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(ROOT),
            "-c",
            str(ROOT / "pyproject.toml"),
            str(ROOT / "tests/unit/test_settings.py"),
            str(ROOT / "tests/unit/api/test_auth.py"),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:]
    assert " passed" in result.stdout


def test_each_test_runs_in_an_empty_directory_without_adapter_settings() -> None:
    assert not [n for n in os.environ if n.startswith("ADAPTER_") and "_TEST_" not in n]
    assert list(Path.cwd().iterdir()) == []

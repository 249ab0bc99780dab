"""The reliability suite's spare HAPI: a HAPI of its own (H2 in memory, started by
``scripts/test`` through ``scripts/hapi.sh``) that a test may restart, losing everything it
held, without disturbing the shared test server.

``ADAPTER_TEST_SPARE_FHIR_URL`` names it; it must be a ``scripts/hapi.sh`` instance of this
checkout on that port (the restart goes through the same script, by ``HAPI_PORT``).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

SPARE_FHIR_URL_ENV = "ADAPTER_TEST_SPARE_FHIR_URL"
ROOT = Path(__file__).resolve().parents[2]
HAPI_SCRIPT = ROOT / "scripts" / "hapi.sh"


class SpareHapi:
    """One restartable HAPI on 127.0.0.1, driven by ``scripts/hapi.sh``."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        port = urlsplit(self.url).port
        if port is None:
            pytest.fail(f"{SPARE_FHIR_URL_ENV}={url} names no port", pytrace=False)
        self.port = port

    def _script(self, command: str) -> None:
        env = {
            **os.environ,
            "HAPI_PORT": str(self.port),
            "HAPI_HEAP": os.environ.get("SPARE_HAPI_HEAP", "1g"),
            # as scripts/test starts it: the referral test posts absolute references there
            "HAPI_FHIR_ALLOW_EXTERNAL_REFERENCES": "true",
        }
        done = subprocess.run(
            [str(HAPI_SCRIPT), command], env=env, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            pytest.fail(
                f"scripts/hapi.sh {command} (HAPI_PORT={self.port}) failed:\n"
                f"{done.stdout}{done.stderr}",
                pytrace=False,
            )

    def wait(self) -> None:
        """Until /metadata answers (the script fails if the process is not running)."""
        self._script("wait")

    def restart(self) -> None:
        """Stop the server (everything in its in-memory database goes), start it, wait."""
        self._script("stop")
        self._script("start")
        self.wait()


def spare_from_env() -> SpareHapi:
    url = os.environ.get(SPARE_FHIR_URL_ENV, "").strip()
    if not url:
        pytest.fail(
            f"this test needs a HAPI of its own to restart: run scripts/test, or "
            f"HAPI_PORT=8082 HAPI_HEAP=1g scripts/hapi.sh start, then "
            f"export {SPARE_FHIR_URL_ENV}=http://127.0.0.1:8082/fhir",
            pytrace=False,
        )
    spare = SpareHapi(url)
    spare.wait()
    return spare

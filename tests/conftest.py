"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os

import pytest

FHIR_URL_ENV = "ADAPTER_TEST_FHIR_URL"
# Where the test servers are (the suite's own configuration, never read by Settings).
TEST_ENV_PREFIX = "ADAPTER_TEST_"


@pytest.fixture(autouse=True)
def hermetic(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every test starts from no ``ADAPTER_*`` setting and in an empty working directory.

    A stray ``ADAPTER_FHIR_AUTH__KIND=bearer`` in the developer's shell, or a ``.env`` in the
    directory pytest was started from, must not change what a test sees. The suite's own
    ``ADAPTER_TEST_*`` variables (where the test servers are) stay.
    """
    for name in list(os.environ):
        if name.startswith("ADAPTER_") and not name.startswith(TEST_ENV_PREFIX):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))


@pytest.fixture(scope="session")
def fhir_base_url() -> str:
    """Base URL of the real FHIR server the integration tests talk to.

    Integration tests never skip: without a server they fail, saying how to provide one.
    """
    url = os.environ.get(FHIR_URL_ENV, "").strip()
    if not url:
        pytest.fail(
            "integration tests need a running HAPI: run scripts/test (or scripts/hapi.sh start "
            f"&& scripts/hapi.sh wait, then export {FHIR_URL_ENV}=http://127.0.0.1:8080/fhir)",
            pytrace=False,
        )
    return url.rstrip("/")

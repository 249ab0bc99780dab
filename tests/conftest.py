"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os

import pytest

FHIR_URL_ENV = "ADAPTER_TEST_FHIR_URL"


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

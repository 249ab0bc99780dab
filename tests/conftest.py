"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import httpx
import pytest

from adapter.canonical import set_identifier_base
from adapter.logs import reset_logging
from adapter.realm import current_realm, set_organization, set_realm

FHIR_URL_ENV = "ADAPTER_TEST_FHIR_URL"
# Where the test servers are (the suite's own configuration, never read by Settings).
TEST_ENV_PREFIX = "ADAPTER_TEST_"


@pytest.fixture(autouse=True)
def hermetic(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """Every test starts from no ``ADAPTER_*`` setting and in an empty working directory.

    A stray ``ADAPTER_FHIR_AUTH__KIND=bearer`` in the developer's shell, or a ``.env`` in the
    directory pytest was started from, must not change what a test sees. The suite's own
    ``ADAPTER_TEST_*`` variables (where the test servers are) stay.
    """
    for name in list(os.environ):
        if name.startswith("ADAPTER_") and not name.startswith(TEST_ENV_PREFIX):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
    # The default ledger lives under XDG_DATA_HOME: never the developer's own ledger.
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("data")))
    yield
    reset_logging()  # a CLI command configured logging: the next test's caplog sees all again
    set_identifier_base(None)  # a test's ADAPTER_IDENTIFIER_BASE ends with it
    set_organization(None)  # and so does its ADAPTER_ORGANIZATION


@pytest.fixture
def realm_us() -> Iterator[None]:
    """The mappings write the US edition for the length of the test."""
    before = current_realm()
    set_realm("us")
    yield
    set_realm(before)


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


KEYCLOAK_URL_ENV = "ADAPTER_TEST_KEYCLOAK_URL"
SECURE_FHIR_URL_ENV = "ADAPTER_TEST_SECURE_FHIR_URL"
# scripts/test starts Keycloak and the secured HAPI without waiting for them: they boot while
# the other tests run (the auth tests run last), and the first auth test waits this many seconds.
AUTH_WAIT_ENV = "ADAPTER_TEST_AUTH_WAIT"


PRODUCTION_FHIR_URL_ENV = "ADAPTER_TEST_PRODUCTION_FHIR_URL"
GUIDES_FHIR_URL_ENV = "ADAPTER_TEST_GUIDES_FHIR_URL"
MEDPLUM_FHIR_URL_ENV = "ADAPTER_TEST_MEDPLUM_FHIR_URL"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Auth, production-like and guides tests last, so that their servers have the rest of the
    run to start."""
    late = ("auth", "production", "guides")
    items.sort(key=lambda item: any(item.get_closest_marker(m) for m in late))


def _required_url(name: str, how: str, ready_path: str, *, tests: str = "auth tests") -> str:
    url = os.environ.get(name, "").strip().rstrip("/")
    if not url:
        pytest.fail(f"{tests} need {name}: run scripts/test, or {how}", pytrace=False)
    deadline = time.monotonic() + float(os.environ.get(AUTH_WAIT_ENV) or 0)
    while True:
        try:
            if httpx.get(url + ready_path, timeout=10).status_code == 200:
                return url
            problem = "answers, but not 200"
        except httpx.HTTPError as exc:
            problem = type(exc).__name__
        if time.monotonic() >= deadline:
            pytest.fail(f"{name}={url} is not ready ({problem}); see .run/*.log", pytrace=False)
        time.sleep(2)


@pytest.fixture(scope="session")
def keycloak_realm_url() -> str:
    """The realm (issuer) URL of the real Keycloak the auth tests get tokens from."""
    return _required_url(
        KEYCLOAK_URL_ENV,
        "scripts/keycloak.sh start && scripts/keycloak.sh wait, then "
        f"export {KEYCLOAK_URL_ENV}=$(scripts/keycloak.sh url)",
        "/.well-known/openid-configuration",
    )


@pytest.fixture(scope="session")
def secure_fhir_url() -> str:
    """A HAPI that requires bearer tokens from that Keycloak (scripts/hapi.sh, HAPI_AUTH_ISSUER)."""
    return _required_url(
        SECURE_FHIR_URL_ENV,
        "HAPI_PORT=8081 HAPI_AUTH_ISSUER=$(scripts/keycloak.sh url) scripts/hapi.sh start, then "
        f"export {SECURE_FHIR_URL_ENV}=http://127.0.0.1:8081/fhir",
        "/metadata",
    )


@pytest.fixture(scope="session")
def medplum_fhir_url() -> str:
    """Medplum's FHIR router on its in-memory repository (scripts/medplum.sh): an independently
    written FHIR R4 server, the sync suite's third target."""
    return _required_url(
        MEDPLUM_FHIR_URL_ENV,
        "scripts/medplum.sh start && scripts/medplum.sh wait, then "
        f"export {MEDPLUM_FHIR_URL_ENV}=$(scripts/medplum.sh url)",
        "/metadata",
        tests="Medplum tests",
    )


@pytest.fixture(scope="session")
def production_fhir_url() -> str:
    """A production-like HAPI (scripts/hapi.sh, HAPI_MODE=production): server-assigned ids
    only, at most 50 entries per transaction, no system-level history."""
    return _required_url(
        PRODUCTION_FHIR_URL_ENV,
        "HAPI_PORT=8082 HAPI_MODE=production scripts/hapi.sh start, then "
        f"export {PRODUCTION_FHIR_URL_ENV}=http://127.0.0.1:8082/fhir",
        "/metadata",
        tests="production-like tests",
    )


@pytest.fixture(scope="session")
def guides_fhir_url() -> str:
    """A HAPI holding the implementation guides the US edition claims (scripts/hapi.sh with
    HAPI_IG_PACKAGES=<the US Core 6.1.0 package>,profiles). The US Core package is the
    operator's to bring (tools/ig-packages/README.md): without it the tests that need this
    server are skipped, saying so."""
    if not os.environ.get(GUIDES_FHIR_URL_ENV, "").strip():
        pytest.skip(
            "no HAPI with US Core 6.1.0: set ADAPTER_US_CORE_PACKAGE to the package (.tgz or "
            "folder) for scripts/test, or ADAPTER_TEST_GUIDES_FHIR_URL; no registry reachable "
            "here serves it (tools/ig-packages/README.md)"
        )
    return _required_url(
        GUIDES_FHIR_URL_ENV,
        "HAPI_PORT=8084 HAPI_IG_PACKAGES=<US Core 6.1.0 .tgz>,profiles "
        f"scripts/hapi.sh start, then export {GUIDES_FHIR_URL_ENV}=http://127.0.0.1:8084/fhir",
        "/metadata",
        tests="conformance tests",
    )

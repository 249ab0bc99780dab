"""A real ``adapter serve`` (uvicorn on a free loopback port, the real HAPI behind it) and a
real headless Chromium (Debian's, driven by Selenium through Debian's chromedriver;
scripts/browser.sh installs both). Nothing is downloaded at test time.

``ADAPTER_TEST_CONSOLE_SCREENSHOTS=docs/console`` makes the tests save each page there (the
pictures in docs/console.md); otherwise they go to the test's temporary directory.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.wait import WebDriverWait

from tests.support.api import TOKEN

CHROMIUM = os.environ.get("ADAPTER_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("ADAPTER_TEST_CHROMEDRIVER", "/usr/bin/chromedriver")
SCREENSHOTS_ENV = "ADAPTER_TEST_CONSOLE_SCREENSHOTS"
_RUN_WAIT = 180.0  # seconds a background run may take before a test gives up


@dataclass
class Served:
    """The running service: its URL, an API client with the token, the namespace it writes."""

    url: str
    api: httpx.Client
    namespace: str
    fhir: str

    def wait_for_runs(self, *, newer_than: int = 0) -> list[dict[str, Any]]:
        """Wait until no run is going and one with an id above ``newer_than`` exists (a run
        started in the background opens its ledger row a moment later); newest first."""
        deadline = time.monotonic() + _RUN_WAIT
        while True:
            runs: list[dict[str, Any]] = self.api.get("/sync/runs").json()
            newest = runs[0]["id"] if runs else 0
            if newest > newer_than and not any(run["status"] == "running" for run in runs):
                return runs
            if time.monotonic() > deadline:
                pytest.fail(f"runs still going after {_RUN_WAIT} s: {runs[:3]}")
            time.sleep(0.5)

    def last_run(self) -> int:
        runs: list[dict[str, Any]] = self.api.get("/sync/runs").json()
        return int(runs[0]["id"]) if runs else 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(fhir_base_url: str, tmp_path: Path) -> Iterator[Served]:
    """``adapter serve`` as a subprocess, as an operator starts it; stopped by its pid."""
    port = _free_port()
    namespace = f"console{uuid.uuid4().hex[:10]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADAPTER_")}
    env.update(
        ADAPTER_API_TOKEN=TOKEN,
        ADAPTER_FHIR_BASE_URL=fhir_base_url,
        ADAPTER_LEDGER_URL=f"sqlite:///{tmp_path / 'ledger.db'}",
        ADAPTER_NAMESPACE=namespace,
    )
    adapter = Path(sys.executable).with_name("adapter")
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        [str(adapter), "serve", "--port", str(port)], env=env, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, tmp_path / "serve.log")
        headers = {"Authorization": f"Bearer {TOKEN}"}
        with httpx.Client(base_url=url, headers=headers, timeout=60) as api:
            yield Served(url, api, namespace, fhir_base_url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"adapter serve exited ({process.returncode}): {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    pytest.fail(f"adapter serve did not answer /health within 60 s: {log.read_text()[-2000:]}")


@pytest.fixture(scope="session")
def _chromium() -> tuple[str, str]:
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not Path(path).is_file()]
    if missing:
        pytest.fail(
            f"the browser tests need Debian's chromium and chromium-driver ({', '.join(missing)} "
            "missing): run scripts/browser.sh install (scripts/test does)",
            pytrace=False,
        )
    return CHROMIUM, CHROMEDRIVER


@pytest.fixture
def browser(_chromium: tuple[str, str]) -> Iterator[webdriver.Chrome]:
    binary, driver = _chromium
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in (
        "--headless=new",
        "--no-sandbox",  # root in CI and containers: Chromium's sandbox needs user namespaces
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,900",
        "--lang=en-US",
    ):
        options.add_argument(argument)
    chrome = webdriver.Chrome(service=Service(executable_path=driver), options=options)
    try:
        yield chrome
    finally:
        chrome.quit()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where the screenshots go."""
    wanted = os.environ.get(SCREENSHOTS_ENV, "").strip()
    folder = Path(wanted) if wanted else tmp_path / "shots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def screenshot(browser: webdriver.Chrome, path: Path) -> None:
    """The whole page, not only the window."""
    height = int(browser.execute_script("return document.documentElement.scrollHeight"))
    browser.set_window_size(1280, max(600, min(height + 40, 4000)))
    browser.save_screenshot(str(path))
    browser.set_window_size(1280, 900)


def submit(browser: webdriver.Chrome, button: WebElement) -> None:
    """Click a form's button and wait for the page it leads to (a click does not wait)."""
    button.click()
    WebDriverWait(browser, 60).until(staleness_of(button))


def sign_in(browser: webdriver.Chrome, served: Served, token: str = TOKEN) -> None:
    browser.get(f"{served.url}/console/")
    field = browser.find_element(By.ID, "token")  # redirected to the sign-in form
    field.send_keys(token)
    submit(browser, browser.find_element(By.CSS_SELECTOR, "form.signin button[type=submit]"))

"""The operations console in a real headless Chromium, against a real ``adapter serve`` and the
real HAPI: sign in, see a dead letter with the server's words, retry it after fixing its cause,
settle a conflict and see the server change (issue 20, items 4 and 5)."""

from __future__ import annotations

import copy
import time
import uuid
from typing import Any

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By

from tests.browser.conftest import Served, screenshot, sign_in, submit
from tests.integration.push_support import fresh_cases
from tests.support.api import referred_case

pytestmark = [pytest.mark.integration, pytest.mark.browser]

SERVER_TEXT = "Changed on the server by the clinic"


def _text(browser: webdriver.Chrome, css: str) -> str:
    return "\n".join(element.text for element in browser.find_elements(By.CSS_SELECTOR, css))


def _reload_until(browser: webdriver.Chrome, served: Served, path: str, gone: str) -> None:
    """Reload ``path`` (after the runs settle) until no element matches ``gone``."""
    deadline = time.monotonic() + 60
    while True:
        served.wait_for_runs()
        browser.get(f"{served.url}{path}")
        if not browser.find_elements(By.CSS_SELECTOR, gone):
            return
        if time.monotonic() > deadline:
            pytest.fail(f"{gone} still on {path}: {browser.find_element(By.ID, 'main').text}")
        time.sleep(1)


def _push(served: Served, case: dict[str, Any]) -> None:
    assert served.api.post("/cases", json=case).status_code == 201
    assert served.api.post("/sync", json={"case_ids": [case["id"]]}).status_code == 202
    served.wait_for_runs()


def _resource(served: Served, case_id: str, kind: str) -> dict[str, Any]:
    bundle = served.api.get(f"/cases/{case_id}/fhir").json()
    found: dict[str, Any] = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind
    )
    return found


def test_the_console_needs_the_token_and_names_namespace_and_server(
    served: Served, browser: webdriver.Chrome, shots
) -> None:
    browser.get(f"{served.url}/console/dead-letters")
    assert browser.current_url.endswith("/console/sign-in")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Sign in"
    screenshot(browser, shots / "sign-in.png")

    sign_in(browser, served, token="wrong-token-0123456789")
    assert "not accepted" in browser.find_element(By.CSS_SELECTOR, "[role=alert]").text

    sign_in(browser, served)
    assert browser.find_element(By.TAG_NAME, "h1").text == "Recent runs"
    assert browser.find_element(By.ID, "namespace").text == served.namespace
    assert browser.find_element(By.ID, "server").text == served.fhir
    cookie = browser.get_cookie("adapter_console")
    assert cookie is not None
    assert (cookie["httpOnly"], cookie["sameSite"]) == (True, "Strict")

    submit(browser, browser.find_element(By.CSS_SELECTOR, "form.signout button"))
    browser.get(f"{served.url}/console/")
    assert browser.current_url.endswith("/console/sign-in")


def test_a_dead_letter_is_retried_after_its_cause_is_fixed_and_lands(
    served: Served, browser: webdriver.Chrome, shots
) -> None:
    tag = uuid.uuid4().hex[:10]
    case = referred_case(f"CON-DLQ-{tag}")
    case["client"]["id"] = f"CL-DLQ-{tag}"
    patient_id = f"ehr-{tag}"
    case["client"]["fhir_id"] = patient_id  # the EHR's Patient, not registered yet: refused
    _push(served, case)

    sign_in(browser, served)
    browser.get(f"{served.url}/console/dead-letters")
    [letter] = [
        element
        for element in browser.find_elements(By.CSS_SELECTOR, "article.letter")
        if case["id"] in element.find_element(By.TAG_NAME, "h2").text
    ]
    assert letter.find_element(By.CSS_SELECTOR, ".reason").text == "dangling-reference"
    said = letter.find_element(By.CSS_SELECTOR, ".outcome").text
    assert f"HAPI-1094: Resource Patient/{patient_id} not found" in said
    screenshot(browser, shots / "dead-letters.png")

    # The cause fixed: the EHR registers the Patient the case points at.
    patient = {"resourceType": "Patient", "id": patient_id, "name": [{"family": "Registered"}]}
    registered = httpx.put(f"{served.fhir}/Patient/{patient_id}", json=patient, timeout=60)
    assert registered.status_code in (200, 201), registered.text[:300]

    letter_id = letter.get_attribute("id")
    submit(browser, letter.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    assert "push run" in browser.find_element(By.CSS_SELECTOR, ".notice").text
    _reload_until(browser, served, "/console/dead-letters", f"#{letter_id}")

    episode = _resource(served, case["id"], "EpisodeOfCare")
    held = httpx.get(f"{served.fhir}/EpisodeOfCare/{episode['id']}", timeout=60)
    assert held.status_code == 200
    assert held.json()["patient"]["reference"] == f"Patient/{patient_id}"

    browser.get(f"{served.url}/console/")
    assert "completed" in _text(browser, "tbody tr:first-child")
    screenshot(browser, shots / "runs.png")
    browser.get(f"{served.url}/console/cases/{case['id']}")
    timeline = _text(browser, "ol.timeline")
    assert "failed" in timeline
    assert "HAPI-1094" in timeline
    assert "succeeded" in timeline or "written" in timeline
    assert "resolved" in _text(browser, "main")
    screenshot(browser, shots / "case-timeline.png")


def _conflict(served: Served) -> tuple[dict[str, Any], str, dict[str, Any]]:
    """A pushed case whose goal description the server changed, pulled: an open conflict."""
    [case] = fresh_cases(1)  # CM-2001, with goals
    _push(served, case)
    goal = _resource(served, case["id"], "Goal")
    url = f"{served.fhir}/Goal/{goal['id']}"
    held = httpx.get(url, timeout=60).json()
    local = copy.deepcopy(held["description"])
    held["description"] = {"text": SERVER_TEXT}
    assert httpx.put(url, json=held, timeout=60).status_code == 200
    before = served.last_run()
    assert served.api.post("/fhir/notify").status_code == 200  # a pull, started after the answer
    [pull, *_] = served.wait_for_runs(newer_than=before)
    assert (pull["kind"], pull["summary"]["conflicts"]) == ("pull", 1), pull
    return case, url, local


def _open_conflict(browser: webdriver.Chrome, served: Served, case_id: str) -> Any:
    browser.get(f"{served.url}/console/conflicts")
    [article] = [
        element
        for element in browser.find_elements(By.CSS_SELECTOR, "article.conflict")
        if case_id in element.find_element(By.TAG_NAME, "h2").text
    ]
    return article


def test_a_conflict_taken_local_is_written_back_to_the_server(
    served: Served, browser: webdriver.Chrome, shots
) -> None:
    case, goal_url, local = _conflict(served)

    sign_in(browser, served)
    article = _open_conflict(browser, served, case["id"])
    row = article.find_element(By.CSS_SELECTOR, "table.sides tbody tr")
    assert row.find_element(By.TAG_NAME, "th").text == "description"
    assert local["text"] in row.find_element(By.CSS_SELECTOR, "td.local").text
    assert SERVER_TEXT in row.find_element(By.CSS_SELECTOR, "td.server").text
    screenshot(browser, shots / "conflicts.png")

    conflict_id = article.get_attribute("id")
    submit(browser, article.find_element(By.CSS_SELECTOR, "button[value=local]"))
    assert "push run" in browser.find_element(By.CSS_SELECTOR, ".notice").text
    _reload_until(browser, served, "/console/conflicts", f"#{conflict_id}")

    assert httpx.get(goal_url, timeout=60).json()["description"] == local


def test_a_conflict_taken_from_the_server_goes_into_the_stored_case(
    served: Served, browser: webdriver.Chrome
) -> None:
    case, goal_url, _ = _conflict(served)

    sign_in(browser, served)
    article = _open_conflict(browser, served, case["id"])
    conflict_id = article.get_attribute("id")
    submit(browser, article.find_element(By.CSS_SELECTOR, "button[value=server]"))
    assert "push run" in browser.find_element(By.CSS_SELECTOR, ".notice").text
    _reload_until(browser, served, "/console/conflicts", f"#{conflict_id}")

    stored = served.api.get(f"/cases/{case['id']}").json()
    assert SERVER_TEXT in [goal.get("description") for goal in stored["plan"]["goals"]]
    assert httpx.get(goal_url, timeout=60).json()["description"] == {"text": SERVER_TEXT}

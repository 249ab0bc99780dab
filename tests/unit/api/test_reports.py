"""GET /reports/program: program evaluation over the case store; bad parameters are 4xx."""

from __future__ import annotations

import json

import pytest

from tests.support.casefiles import hand_counted_files


async def store_examples(client) -> None:
    for path in hand_counted_files():
        response = await client.post("/cases", json=json.loads(path.read_text()))
        assert response.status_code == 201


async def test_json_report_over_the_stored_cases(client):
    await store_examples(client)
    response = await client.get(
        "/reports/program", params={"from": "2024-01-01", "to": "2024-03-31"}
    )
    assert response.status_code == 200
    report = response.json()
    assert report["period"] == {"from": "2024-01-01", "to": "2024-03-31"}
    # Counted by hand in tests/unit/reports/test_examples.py (first quarter of 2024).
    assert (report["total"]["cases"]["cohort"], report["total"]["cases"]["closed"]) == (12, 5)
    assert report["skipped"] == []


async def test_fhir_report_is_a_measure_report_for_one_program(client):
    await store_examples(client)
    response = await client.get(
        "/reports/program", params={"program": "transitional-care", "format": "fhir"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    resource = response.json()
    assert resource["resourceType"] == "MeasureReport"
    [group] = resource["group"]
    assert group["code"]["coding"][0]["code"] == "transitional-care"
    cohort = group["population"][0]
    assert cohort["code"]["coding"][0]["code"] == "initial-population"
    assert cohort["count"] == 4  # 2002 2008 2015 2016


async def test_empty_store_gives_zeros(client):
    response = await client.get("/reports/program")
    assert response.status_code == 200
    assert response.json()["total"]["cases"]["cohort"] == 0


@pytest.mark.parametrize(
    "params",
    [
        {"program": "dental"},
        {"from": "2024-02-30"},
        {"to": "yesterday"},
        {"format": "html"},
        {"from": "2024-06-30", "to": "2024-01-01"},
        {"from": "9" * 400},
    ],
)
async def test_bad_parameters_are_4xx_outcomes_never_500(client, params):
    response = await client.get("/reports/program", params=params)
    assert response.status_code in (400, 422)
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"


async def test_period_ending_before_it_starts_is_400_saying_so(client):
    response = await client.get(
        "/reports/program", params={"from": "2024-06-30", "to": "2024-01-01"}
    )
    assert response.status_code == 400
    assert "starts after it ends" in response.json()["issue"][0]["diagnostics"]


async def test_report_needs_the_token(anonymous):
    assert (await anonymous.get("/reports/program")).status_code == 401

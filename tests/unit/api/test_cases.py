"""/cases: upsert into the case store with validation and transition checks; read back."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from adapter.api import create_app
from adapter.fhir import json_body
from adapter.mappings.bundle import case_to_bundle
from adapter.model import parse_case
from adapter.sync.ledger import Ledger
from adapter.sync.namespace import resolve_namespace
from tests.support.api import referred_case, serve

EXAMPLE = (
    Path(__file__).parents[3]
    / "examples"
    / "cases"
    / "CM-2001-complex-care-heart-failure-mid-implementation.json"
)


async def test_new_case_is_201_created_and_readable(client):
    case = referred_case("API-NEW")
    response = await client.post("/cases", json=case)
    assert response.status_code == 201
    assert response.json() == {"id": "API-NEW", "status": "created"}
    stored = await client.get("/cases/API-NEW")
    assert stored.status_code == 200
    assert parse_case(stored.json()) == parse_case(case)


async def test_second_version_is_200_updated(client):
    case = referred_case("API-UPD")
    await client.post("/cases", json=case)
    case["status"] = "screening"
    response = await client.post("/cases", json=case)
    assert response.status_code == 200
    assert response.json()["status"] == "updated"
    assert (await client.get("/cases/API-UPD")).json()["status"] == "screening"


async def test_same_version_again_is_200_unchanged(client):
    case = referred_case("API-SAME")
    await client.post("/cases", json=case)
    response = await client.post("/cases", json=case)
    assert (response.status_code, response.json()["status"]) == (200, "unchanged")


async def test_invalid_case_is_422_with_every_field_path(client):
    case = referred_case("API-BAD")
    case["status"] = "finished"
    case["client"]["birth_date"] = "1940-02-31"
    response = await client.post("/cases", json=case)
    assert response.status_code == 422
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    paths = {issue["expression"][0] for issue in body["issue"]}
    assert paths == {"status", "client.birth_date"}
    assert (await client.get("/cases/API-BAD")).status_code == 404


async def test_illegal_transition_is_422_business_rule_and_keeps_the_stored_version(client):
    case = referred_case("API-TRANS")
    case["status"] = "cancelled"
    case["closed_on"] = "2024-07-13"
    assert (await client.post("/cases", json=case)).status_code == 201
    reopened = referred_case("API-TRANS")
    response = await client.post("/cases", json=reopened)
    assert response.status_code == 422
    issue = response.json()["issue"][0]
    assert issue["code"] == "business-rule"
    assert issue["expression"] == ["status"]
    assert "'cancelled' -> 'referred'" in issue["diagnostics"]
    assert (await client.get("/cases/API-TRANS")).json()["status"] == "cancelled"


async def test_unknown_case_is_404_outcome(client):
    for path in ("/cases/NO-SUCH", "/cases/NO-SUCH/fhir"):
        response = await client.get(path)
        assert response.status_code == 404
        assert response.json()["issue"][0]["code"] == "not-found"


async def test_malformed_case_id_in_path_is_422(client):
    response = await client.get("/cases/bad%20id")
    assert response.status_code == 422
    assert response.json()["issue"][0]["expression"] == ["case_id"]


async def test_fhir_view_is_the_bundle_a_push_sends(client, settings):
    case = referred_case("API-FHIR")
    await client.post("/cases", json=case)
    response = await client.get("/cases/API-FHIR/fhir")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    with Ledger.open(settings.ledger_url) as ledger:
        namespace = resolve_namespace(settings, ledger)  # the one the service resolved
    assert response.json() == case_to_bundle(parse_case(case), namespace=namespace)


async def test_a_decimal_posted_as_a_number_keeps_its_digits(client, settings):
    case = json.loads(EXAMPLE.read_text())  # measured values: scores, targets, outcomes
    case["outcomes"][0]["value"] = "@"
    body = json.dumps(case).replace('"@"', "21000.00").encode()
    headers = {"Content-Type": "application/json"}
    assert (await client.post("/cases", content=body, headers=headers)).status_code == 201
    stored = await client.get(f"/cases/{case['id']}")
    assert stored.json()["outcomes"][0]["value"] == "21000.00"
    case["outcomes"][0]["value"] = "21000.00"
    response = await client.get(f"/cases/{case['id']}/fhir")
    assert response.status_code == 200
    assert b'"value":21000.00' in response.content
    with Ledger.open(settings.ledger_url) as ledger:
        namespace = resolve_namespace(settings, ledger)
    expected = case_to_bundle(parse_case(case), namespace=namespace)
    assert json_body.loads(response.content) == expected


async def test_malformed_json_is_422_not_500(client):
    response = await client.post(
        "/cases", content=b'{"id": "API-X", ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["issue"][0]["code"] == "structure"


async def test_json_that_is_not_an_object_is_422(client):
    bodies: list[object] = [[], "case", 3, None]
    for body in bodies:
        response = await client.post("/cases", json=body)
        assert response.status_code == 422, body


async def test_errors_never_echo_submitted_values(client):
    case = referred_case("API-ECHO")
    case["client"]["name"]["family"] = {"secret": "Zyxwvutsr"}
    response = await client.post("/cases", json=case)
    assert response.status_code == 422
    assert "Zyxwvutsr" not in response.text


async def test_oversized_body_is_413_not_500(client, caplog):
    huge = b'{"id": "' + b"x" * (6 * 1024 * 1024) + b'"}'
    response = await client.post(
        "/cases", content=huge, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert "unexpected" not in caplog.text


async def test_case_content_never_reaches_the_logs(client, caplog):
    case = referred_case("API-LOG")
    case["client"]["name"]["family"] = "Quillfeather"
    bad = referred_case("API-LOG2")
    bad["client"]["name"]["family"] = "Quillfeather"
    bad["client"]["gender"] = "Quillfeather-unknown"
    with caplog.at_level(logging.DEBUG):
        assert (await client.post("/cases", json=case)).status_code == 201
        assert (await client.post("/cases", json=bad)).status_code == 422
        await client.get("/cases/API-LOG")
        await client.get("/cases/API-LOG/fhir")
    assert "Quillfeather" not in caplog.text


async def test_fhir_view_uses_the_configured_namespace(settings):
    spaced = create_app(settings.model_copy(update={"namespace": "site-a"}))
    case = referred_case("API-NS")
    async for client in serve(spaced):
        await client.post("/cases", json=case)
        bundle = (await client.get("/cases/API-NS/fhir")).json()
    assert bundle == case_to_bundle(parse_case(case), namespace="site-a")
    assert bundle != case_to_bundle(parse_case(case))


async def test_case_held_by_a_running_push_is_409(app, client):
    case = referred_case("API-HELD")
    await client.post("/cases", json=case)
    app.state.adapter.pushing.add("API-HELD")
    case["status"] = "screening"
    response = await client.post("/cases", json=case)
    assert response.status_code == 409
    assert (await client.get("/cases/API-HELD")).json()["status"] == "referred"
    other = await client.post("/cases", json=referred_case("API-FREE"))
    assert other.status_code == 201

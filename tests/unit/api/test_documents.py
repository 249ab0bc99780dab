"""GET /cases/{id}/document: a stored case as a transitions-of-care document or an episode
collection; bad ids and kinds are OperationOutcomes, never 500; nothing of the case is logged."""

from __future__ import annotations

import logging

from adapter.api import create_app
from adapter.fhir import json_body
from adapter.mappings.documents import episode_bundle, transition_document
from adapter.model import parse_case
from adapter.sync.ledger import Ledger
from adapter.sync.ledger.cases import API_SOURCE
from tests.support.api import referred_case, serve
from tests.support.casefiles import example_data


async def test_transition_document_of_a_stored_case(client, settings):
    case = example_data("CM-2001")
    assert (await client.post("/cases", json=case)).status_code == 201
    response = await client.get(f"/cases/{case['id']}/document", params={"kind": "transition"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    expected = transition_document(parse_case(case), base_url=settings.fhir_base_url)
    assert response.content == json_body.dumps(expected)
    assert response.json()["entry"][0]["resource"]["resourceType"] == "Composition"


async def test_kind_defaults_to_transition_and_episode_is_the_collection(client, settings):
    case = referred_case("API-DOC")
    await client.post("/cases", json=case)
    default = await client.get("/cases/API-DOC/document")
    assert default.json()["type"] == "document"
    episode = await client.get("/cases/API-DOC/document", params={"kind": "episode"})
    expected = episode_bundle(parse_case(case), base_url=settings.fhir_base_url)
    assert episode.content == json_body.dumps(expected)
    again = await client.get("/cases/API-DOC/document", params={"kind": "episode"})
    assert again.content == episode.content


async def test_unknown_case_is_404_outcome(client):
    response = await client.get("/cases/NO-SUCH/document", params={"kind": "episode"})
    assert response.status_code == 404
    assert response.json()["resourceType"] == "OperationOutcome"
    assert response.json()["issue"][0]["code"] == "not-found"


async def test_malformed_case_id_and_unknown_kind_are_422_outcomes(client):
    await client.post("/cases", json=referred_case("API-KIND"))
    for path, params in (
        ("/cases/bad%20id/document", {}),
        ("/cases/API-KIND/document", {"kind": "discharge"}),
    ):
        response = await client.get(path, params=params)
        assert response.status_code == 422, response.text
        assert response.json()["resourceType"] == "OperationOutcome"


async def test_a_stored_case_that_no_longer_validates_is_422_not_500(client, settings):
    broken = referred_case("API-OLD")
    broken["status"] = "no-such-status"
    with Ledger.open(settings.ledger_url) as ledger:
        ledger.put_case("API-OLD", broken, source=API_SOURCE)
    response = await client.get("/cases/API-OLD/document")
    assert response.status_code == 422, response.text
    assert response.json()["resourceType"] == "OperationOutcome"
    assert "no-such-status" not in response.text


async def test_document_needs_the_token(anonymous):
    response = await anonymous.get("/cases/API-DOC/document")
    assert response.status_code == 401


async def test_document_uses_the_configured_namespace(settings):
    spaced = create_app(settings.model_copy(update={"namespace": "site-a"}))
    case = referred_case("API-DOC-NS")
    async for client in serve(spaced):
        await client.post("/cases", json=case)
        bundle = (await client.get("/cases/API-DOC-NS/document")).json()
    expected = transition_document(
        parse_case(case), base_url=settings.fhir_base_url, namespace="site-a"
    )
    assert bundle == expected


async def test_document_content_never_reaches_the_logs(client, caplog):
    case = example_data("CM-2001")
    case["client"]["name"]["family"] = "Quillfeather"
    case["needs"][0]["description"] = "Quillfeather need"
    with caplog.at_level(logging.DEBUG):
        await client.post("/cases", json=case)
        for kind in ("transition", "episode"):
            response = await client.get(f"/cases/{case['id']}/document", params={"kind": kind})
            assert "Quillfeather" in response.text
    assert "Quillfeather" not in caplog.text


async def test_posting_a_closed_case_writes_its_document_when_configured(settings, tmp_path):
    where = tmp_path / "closed-docs"
    configured = settings.model_copy(
        update={"documents_on_close": "transition", "documents_dir": where}
    )
    async for client in serve(create_app(configured)):
        assert (await client.post("/cases", json=example_data("CM-2001"))).status_code == 201
        assert not where.exists()  # an active case: nothing
        closed = example_data("CM-2016")
        assert (await client.post("/cases", json=closed)).status_code == 201
        served = await client.get(f"/cases/{closed['id']}/document")
    [written] = where.iterdir()
    assert written.name.startswith(f"{closed['id']}.transition.")
    assert json_body.loads(written.read_bytes()) == json_body.loads(served.content)

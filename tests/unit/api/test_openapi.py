"""The OpenAPI schema: the bearer scheme, the case body typed by the case model, errors as
OperationOutcomes; /docs; the dead-letter retry's refusals (never a 500)."""

from __future__ import annotations

from typing import Any

import pytest

from adapter.model.case import Case
from adapter.sync.ledger import ReasonCode, RunKind
from tests.support.api import serve

SERVER = "http://127.0.0.1:9/fhir"


async def schema_of(app) -> dict[str, Any]:
    async for client in serve(app):
        answer = await client.get("/openapi.json")
    assert answer.status_code == 200
    return dict(answer.json())


async def test_the_schema_declares_the_bearer_scheme_on_every_guarded_route(app):
    schema = await schema_of(app)

    schemes = schema["components"]["securitySchemes"]
    assert schemes["apiToken"] == {
        "type": "http", "scheme": "bearer", "description": "ADAPTER_API_TOKEN",
    }  # fmt: skip
    assert schemes["notifyToken"]["scheme"] == "bearer"
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            open_route = path.startswith("/health")
            assert ("security" in operation) != open_route, (method, path)
            if not open_route and not path.startswith("/fhir/notify"):
                assert operation["security"] == [{"apiToken": []}], (method, path)


async def test_the_case_body_and_answer_are_the_case_model(app):
    schema = await schema_of(app)

    post = schema["paths"]["/cases"]["post"]
    body = post["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/Case"}
    shown = schema["paths"]["/cases/{case_id}"]["get"]["responses"]["200"]
    assert shown["content"]["application/json"]["schema"] == body
    components = schema["components"]["schemas"]
    assert components["Case"]["required"] == Case.model_json_schema()["required"]
    # Every model the case refers to is among the components (no dangling $ref).
    text = str(schema)
    for name in Case.model_json_schema().get("$defs", {}):
        assert name in components
        assert f"#/components/schemas/{name}" in text


async def test_errors_are_documented_as_operation_outcomes(app):
    schema = await schema_of(app)

    components = schema["components"]["schemas"]
    assert "HTTPValidationError" not in components
    assert "HTTPValidationError" not in str(schema["paths"])
    assert set(components["OperationOutcome"]["properties"]) == {"resourceType", "issue"}
    outcome = {"$ref": "#/components/schemas/OperationOutcome"}
    post = schema["paths"]["/cases"]["post"]["responses"]
    for status in ("401", "409", "422", "503"):
        assert post[status]["content"]["application/fhir+json"]["schema"] == outcome, status
    retry = schema["paths"]["/sync/dead-letters/{letter_id}/retry"]["post"]["responses"]
    assert {"202", "401", "404", "409", "422", "502", "504"} <= set(retry)
    assert retry["202"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/RunStarted"
    }


async def test_the_docs_page_holds_nothing_and_fetches_the_schema_with_the_token(anonymous):
    page = await anonymous.get("/docs")

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    assert 'type="password"' in page.text
    assert '"Bearer " + token' in page.text
    assert "/sync/dead-letters" not in page.text  # no route of the API is in the page
    assert (await anonymous.get("/openapi.json")).status_code == 401


def letter(app, case_id: str, server: str = SERVER) -> int:
    ledger = app.state.adapter.ledger
    run = ledger.start_run(RunKind.PUSH, server)
    made = ledger.record_failure(
        run.id, server, case_id, reason=ReasonCode.INVALID_RESOURCE,
        error_class="InvalidResource", message="HTTP 400", status=400,
    )  # fmt: skip
    return int(made.id)


async def test_retrying_a_letter_is_refused_clearly(app, client, anonymous):
    ledger = app.state.adapter.ledger
    elsewhere = letter(app, "API-R2", server="http://other.test/fhir")
    nothing = letter(app, "API-R3")  # no stored case, no source file
    resolved = letter(app, "API-R4")
    ledger.resolve_dead_letter(resolved, resolution="dismissed")

    answers = {
        "unknown": await client.post("/sync/dead-letters/424242/retry"),
        "huge": await client.post(f"/sync/dead-letters/{2**70}/retry"),
        "text": await client.post("/sync/dead-letters/abc/retry"),
        "other server": await client.post(f"/sync/dead-letters/{elsewhere}/retry"),
        "nothing to push": await client.post(f"/sync/dead-letters/{nothing}/retry"),
        "resolved": await client.post(f"/sync/dead-letters/{resolved}/retry"),
        "no token": await anonymous.post(f"/sync/dead-letters/{nothing}/retry"),
        "huge run": await client.get(f"/sync/runs/{2**70}"),
    }

    statuses = {name: answer.status_code for name, answer in answers.items()}
    assert statuses == {
        "unknown": 404, "huge": 422, "text": 422, "other server": 409, "nothing to push": 409,
        "resolved": 409, "no token": 401, "huge run": 422,
    }  # fmt: skip
    for answer in answers.values():
        assert answer.json()["resourceType"] == "OperationOutcome"
    assert "already resolved" in answers["resolved"].text
    assert "cannot retry" in answers["nothing to push"].text


@pytest.mark.parametrize("path", ["/sync/dead-letters", "/sync/runs"])
async def test_lists_answer_without_a_server(client, path):
    assert (await client.get(path)).status_code == 200

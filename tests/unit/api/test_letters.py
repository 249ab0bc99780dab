"""/sync/dead-letters: what the ledger holds about failed cases, with the server's words trimmed."""

from __future__ import annotations

from adapter.sync.ledger import ReasonCode, RunKind

SERVER = "http://fhir.test/fhir"
CAP = "Bundle contains 61 entries: more update operations than allowed"


def fail_case(ledger, case_id: str, outcome) -> int:
    run = ledger.start_run(RunKind.PUSH, SERVER)
    letter = ledger.record_failure(
        run.id, SERVER, case_id, reason=ReasonCode.INVALID_RESOURCE,
        error_class="InvalidResource", message="HTTP 400", outcome=outcome, status=400,
    )  # fmt: skip
    return int(letter.id)


async def test_dead_letters_carry_the_servers_words_trimmed(app, client):
    outcome = {
        "resourceType": "OperationOutcome",
        "contained": [{"resourceType": "Patient", "name": [{"family": "Petrov"}]}],
        "issue": [{"severity": "error", "code": "processing", "diagnostics": CAP + " x" * 400}],
    }
    letter_id = fail_case(app.state.adapter.ledger, "API-L1", outcome)

    listed = (await client.get("/sync/dead-letters")).json()
    one = await client.get(f"/sync/dead-letters/{letter_id}")

    assert [item["case_id"] for item in listed] == ["API-L1"]
    body = one.json()
    assert (body["reason"], body["http_status"], body["open"]) == ("invalid-resource", 400, True)
    [said] = body["server_says"]
    assert said.startswith(f"error processing: {CAP}")
    assert len(said) < 350
    assert "Petrov" not in one.text


async def test_an_unknown_dead_letter_is_404(client):
    response = await client.get("/sync/dead-letters/999")
    assert response.status_code == 404
    assert response.json()["resourceType"] == "OperationOutcome"

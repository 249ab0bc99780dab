"""How push classifies failures a real server will not produce on demand (scripted transport).

Each case's transaction meets one fault; each becomes a dead letter with its reason code, the
other cases still land, and neither the letter's message nor the log holds patient data.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from adapter.errors import AccessDenied
from adapter.sync.ledger import Ledger, ReasonCode
from adapter.sync.push.outcomes import CaseStatus
from adapter.sync.push.run import CaseInput, push_cases
from tests.support.casefiles import example_data
from tests.unit.fhir.scripted import BASE, client_for, fhir_json

AUTH_FAULTS = {"unauthenticated": 401, "forbidden": 403}
# Values from the example case (CM-2001) that are patient data and must not leak.
PHI = ("Okafor", "Adaeze", "MRN-558201", "HHP-1004410", "1958-07-14", "555 0102")

FAULTS: dict[str, tuple[ReasonCode, int | None]] = {
    "ambiguous": (ReasonCode.DUPLICATE_IDENTITY, 412),
    "unavailable": (ReasonCode.RETRIES_EXHAUSTED, 503),
    "unreachable": (ReasonCode.RETRIES_EXHAUSTED, None),
}


def _outcome(status: int, diagnostics: str) -> httpx.Response:
    issue = {"severity": "error", "code": "processing", "diagnostics": diagnostics}
    return fhir_json({"resourceType": "OperationOutcome", "issue": [issue]}, status)


def _answer(fault: str) -> httpx.Response:
    """The fault's answer; diagnostics quote submitted values, as HAPI's do."""
    if fault == "unauthenticated":
        return _outcome(401, "HAPI-0333: no credentials for Okafor, Adaeze")
    if fault == "forbidden":
        return _outcome(403, "HAPI-0334: access to Patient MRN-558201 denied")
    if fault == "ambiguous":
        return _outcome(
            412,
            "HAPI-0988: Failed to UPDATE resource with match URL "
            '"Patient?identifier=MRN-558201" because this search matched 2 resources',
        )
    if fault == "unavailable":
        return _outcome(503, "HAPI-0389: database busy while storing Okafor")
    raise httpx.ConnectError("connection refused")


def _landed(bundle: dict[str, Any]) -> httpx.Response:
    entries = [
        {
            "response": {
                "status": "201 Created",
                "location": f"{entry['request']['url']}/_history/1",
                "etag": 'W/"1"',
            }
        }
        for entry in bundle["entry"]
    ]
    return fhir_json({"resourceType": "Bundle", "type": "transaction-response", "entry": entries})


def _server(requests: Counter[str]) -> Callable[[httpx.Request], httpx.Response]:
    """A server that fails each case's transaction by the fault in its case id."""

    def handle(request: httpx.Request) -> httpx.Response:
        bundle = json.loads(request.content)
        text = request.content.decode()
        fault = next((f for f in [*FAULTS, *AUTH_FAULTS] if f"CM-2001-{f}/" in text), None)
        requests[fault or "fine"] += 1
        return _answer(fault) if fault else _landed(bundle)

    return handle


def _case(tag: str) -> dict[str, Any]:
    data = example_data("CM-2001")
    data["id"] = f"CM-2001-{tag}"
    return data


async def test_each_fault_dead_letters_its_case_with_its_reason_and_the_rest_lands(
    ledger: Ledger, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    requests: Counter[str] = Counter()
    tags = [*FAULTS, "fine"]
    inputs = [CaseInput(f"CM-2001-{tag}", _case(tag), "test") for tag in tags]

    async with client_for(_server(requests)) as client:
        report = await push_cases(inputs, client=client, ledger=ledger, concurrency=3)

    by_case = {outcome.case_id: outcome for outcome in report.cases}
    assert by_case["CM-2001-fine"].status is CaseStatus.WRITTEN
    letters = {letter.case_id: letter for letter in ledger.dead_letters(BASE)}
    assert set(letters) == {f"CM-2001-{fault}" for fault in FAULTS}
    for fault, (reason, status) in FAULTS.items():
        letter = letters[f"CM-2001-{fault}"]
        assert (letter.reason, letter.http_status) == (reason, status), fault
        assert by_case[f"CM-2001-{fault}"].reason is reason
        assert letter.message
        assert not any(value in letter.message for value in PHI), letter.message
    # 5xx and transport failures are retried (the no-wait policy allows 4 tries); the rest not.
    assert requests == Counter(
        {"fine": 1, "ambiguous": 1, "unavailable": 4, "unreachable": 4}
    )  # fmt: skip
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert not any(value in logged for value in PHI)


async def test_an_ambiguous_match_names_the_servers_code(ledger: Ledger) -> None:
    async with client_for(_server(Counter())) as client:
        await push_cases(
            [CaseInput("CM-2001-ambiguous", _case("ambiguous"), "test")],
            client=client,
            ledger=ledger,
        )

    [letter] = ledger.dead_letters(BASE)
    assert letter.server_code == "HAPI-0988"
    assert letter.message == "HTTP 412 HAPI-0988"


@pytest.mark.parametrize(("fault", "status"), AUTH_FAULTS.items())
async def test_refused_credentials_stop_the_run_without_dead_letters(
    ledger: Ledger, fault: str, status: int
) -> None:
    # Every case would meet the same refusal: the first one ends the run (the real-server
    # version of this is tests/integration/test_auth_push.py).
    requests: Counter[str] = Counter()
    inputs = [CaseInput(f"CM-2001-{fault}", _case(fault), "test")]
    inputs += [CaseInput(f"CM-2001-fine-{n}", _case(f"fine-{n}"), "test") for n in range(4)]
    async with client_for(_server(requests)) as client:
        with pytest.raises(AccessDenied) as refused:
            await push_cases(inputs, client=client, ledger=ledger, concurrency=1)
    assert refused.value.status == status
    assert not any(value in str(refused.value) for value in PHI)
    assert requests == Counter({fault: 1})
    assert ledger.dead_letters(BASE) == []
    [run] = ledger.runs()
    assert str(run.status) == "failed"

"""Hostile internal records through the CLI (``adapter push`` on a directory) and the service
(``POST /cases``): every bad record gets one clear error naming the record and the field, the
service never answers 500, and the good records of the same batch land (verbatim).
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapter.api import create_app
from adapter.settings import load_settings
from tests.reliability.cli_support import CliRunnerFor, installation, landing, write_cases
from tests.reliability.malformed import Hostile, example_cases, fresh, hostile_records
from tests.support.api import TOKEN, serve

pytestmark = pytest.mark.integration

EXAMPLES = example_cases()
ACTIVE = next(case for case in EXAMPLES if case["status"] == "active")
SMALL = next(case for case in EXAMPLES if case["status"] == "referred")
EXAMPLE_RUNS = settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def batches() -> st.SearchStrategy[list[Hostile]]:
    return st.lists(hostile_records(ACTIVE), min_size=1, max_size=3)


def _refusal(output: str, record: Hostile) -> str | None:
    lines = [ln for ln in output.splitlines() if f"case {record.case_id}: {record.field}" in ln]
    return lines[0] if lines else None


@EXAMPLE_RUNS
@given(hostile=batches())
def test_push_of_a_directory_refuses_each_bad_record_by_name_and_field_and_lands_the_rest(
    hostile: list[Hostile], fhir_base_url: str, tmp_path: Path, cli: CliRunnerFor
):
    where = installation(fhir_base_url, tmp_path, "bad")
    good = [fresh(SMALL, "GOOD"), fresh(ACTIVE, "GOOD")]
    folder = write_cases(
        Path(tempfile.mkdtemp(dir=tmp_path)), [*good, *(h.document for h in hostile)]
    )

    code, output = cli(where, "push", str(folder))

    refused = [h for h in hostile if _refusal(output, h) is not None]
    assert all(h in refused for h in hostile if h.verdict == "refused"), output
    assert not [h for h in refused if h.verdict == "lands"], output
    assert code == (1 if refused else 0), output
    landed = [*good, *(h.document for h in hostile if h not in refused)]
    after = landing(fhir_base_url, where, landed)
    assert after.exact, after.describe()


async def _post_all(app: Any, hostile: list[Hostile], good: list[dict[str, Any]]) -> list[Any]:
    answers = []
    async for client in serve(app):
        for record in hostile:
            answers.append((record, await client.post("/cases", json=record.document)))
        for case in good:
            assert (await client.post("/cases", json=case)).status_code == 201
        started = await client.post("/sync", json={"case_ids": [c["id"] for c in good]})
        assert started.status_code == 202, started.text
        await app.state.adapter.runs.wait()
        run = (await client.get(f"/sync/runs/{started.json()['run_id']}")).json()
        assert (run["status"], run["cases_ok"]) == ("completed", len(good)), run
    return answers


@EXAMPLE_RUNS
@given(hostile=batches())
def test_post_cases_answers_each_bad_record_with_422_naming_the_field_and_the_good_ones_land(
    hostile: list[Hostile], fhir_base_url: str, tmp_path: Path
):
    where = installation(fhir_base_url, Path(tempfile.mkdtemp(dir=tmp_path)), "badapi")
    app = create_app(load_settings(**_service(where)))
    good = [fresh(SMALL, "GOOD")]

    answers = asyncio.run(_post_all(app, hostile, good))

    for record, answer in answers:
        assert answer.status_code in (201, 422), answer.text
        if record.verdict == "refused" or answer.status_code == 422:
            assert record.verdict != "lands", answer.text
            issue = answer.json()["issue"][0]
            assert issue["expression"] == [record.field], answer.text
            assert issue["diagnostics"].startswith(f"case {record.case_id}: {record.field}")
    assert landing(fhir_base_url, where, good).exact


def _service(where: Any) -> dict[str, Any]:
    return {
        "fhir_base_url": where.server,
        "ledger_url": where.ledger_url,
        "namespace": where.namespace,
        "api_token": TOKEN,
    }


RAW_BODIES = [
    b"not json at all",
    b"{",
    b'{"id": "CM-1", "status": ',
    b"[]",
    b'"a string"',
    b"null",
    b"12",
    b"\xff\xfe\x00garbage",
    b"[" * 50_000 + b"]" * 50_000,
    b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    b'{"id": "\\ud800"}',
]


@pytest.mark.parametrize("body", RAW_BODIES, ids=lambda b: repr(b[:16]))
async def test_post_cases_with_a_body_that_is_not_a_case_is_a_4xx_never_a_500(
    body: bytes, tmp_path: Path, fhir_base_url: str
):
    where = installation(fhir_base_url, tmp_path, "raw")
    app = create_app(load_settings(**_service(where)))
    async for client in serve(app):
        answer = await client.post(
            "/cases", content=body, headers={"Content-Type": "application/json"}
        )
        assert 400 <= answer.status_code < 500, answer.text
        assert answer.json()["resourceType"] == "OperationOutcome"


def _closed_and_reopened() -> tuple[dict[str, Any], dict[str, Any]]:
    closed = fresh(next(c for c in EXAMPLES if c["status"] == "closed"), "TRANS")
    reopened = {**closed, "status": "active"}
    for name in ("closed_on", "closure_reason", "closure_note"):
        reopened.pop(name, None)
    return closed, reopened


async def test_post_cases_refuses_an_illegal_status_transition_from_the_stored_version(
    fhir_base_url: str, tmp_path: Path
):
    closed, reopened = _closed_and_reopened()
    app = create_app(load_settings(**_service(installation(fhir_base_url, tmp_path, "tr"))))
    async for client in serve(app):
        assert (await client.post("/cases", json=closed)).status_code == 201
        answer = await client.post("/cases", json=reopened)
        kept = (await client.get(f"/cases/{closed['id']}")).json()
    assert answer.status_code == 422
    issue = answer.json()["issue"][0]
    assert (issue["code"], issue["expression"]) == ("business-rule", ["status"])
    assert "illegal transition 'closed' -> 'active'" in issue["diagnostics"]
    assert kept["status"] == "closed"


def test_push_refuses_an_illegal_status_transition_from_the_stored_version(
    fhir_base_url: str, tmp_path: Path, cli: CliRunnerFor
):
    where = installation(fhir_base_url, tmp_path, "transition")
    closed, reopened = _closed_and_reopened()
    code, output = cli(where, "push", str(write_cases(tmp_path / "v1", [closed])))
    assert code == 0, output

    code, output = cli(where, "push", str(write_cases(tmp_path / "v2", [reopened])))

    assert f"case {closed['id']}: status: illegal transition 'closed' -> 'active'" in output
    assert code == 1, output


#: Control characters, bidi overrides, ZWJ emoji, stacked combining marks, BOM, line separator,
#: astral-plane letters, private use, fullwidth forms.
ODD = [
    "a\x00b",
    "\u202eevil\u202c",
    "\U0001f469\u200d\U0001f469\u200d\U0001f467 family",
    "e\u0301\u0301\u0301",
    "\ufeffBOM",
    "line\u2028sep",
    "\U0001d518\U0001d52b\U0001d526",
    "tab\tand\x07bell",
    "\U0010fffd private",
    "\uff26\uff35\uff2c\uff2c",
]


def test_odd_unicode_text_lands_verbatim(fhir_base_url: str, tmp_path: Path, cli: CliRunnerFor):
    where = installation(fhir_base_url, tmp_path, "odd")
    cases = [fresh(SMALL, "ODD") for _ in ODD]
    for case, text in zip(cases, ODD, strict=True):
        case["referral"]["reason"] = text

    code, output = cli(where, "push", str(write_cases(tmp_path / "cases", cases)))

    assert code == 0, output
    after = landing(fhir_base_url, where, cases)
    assert after.exact, after.describe()

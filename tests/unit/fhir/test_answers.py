"""Every answer is checked against its request: a write that the answer does not prove is a
ResponseError, never a result."""

from __future__ import annotations

from typing import Any

import pytest

from adapter.errors import ResponseError
from adapter.fhir.answers import Asked, check_bundle_answer

from .scripted import BASE, Script, client_for, fhir_json

GOAL = {"resourceType": "Goal", "id": "g1", "lifecycleStatus": "active"}


def _sent(*urls: str, method: str = "PUT", kind: str = "transaction") -> dict[str, Any]:
    entries = [{"resource": GOAL, "request": {"method": method, "url": url}} for url in urls]
    return {"resourceType": "Bundle", "type": kind, "entry": entries}


def _answer(*responses: dict[str, Any], kind: str = "transaction-response") -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": kind, "entry": [{"response": r} for r in responses]}


def _ok(location: str, status: str = "201 Created") -> dict[str, Any]:
    return {"status": status, "location": location, "etag": 'W/"1"'}


def test_an_honest_transaction_answer_gives_one_result_per_entry():
    sent = _sent("Goal/a", "Goal/b")
    answer = _answer(_ok("Goal/a/_history/1"), _ok(f"{BASE}/Goal/b/_history/3", "200 OK"))
    results = check_bundle_answer(sent, answer, "transaction", url=BASE)
    assert [(r.id, r.version_id, r.status) for r in results] == [("a", "1", 201), ("b", "3", 200)]


LIES = {
    "entry status 500 inside a 200": _answer(
        _ok("Goal/a/_history/1"), {"status": "500 Internal Server Error"}
    ),
    "entry without a status": _answer(_ok("Goal/a/_history/1"), {"location": "Goal/b/_history/1"}),
    "status that is no number": _answer(_ok("Goal/a/_history/1"), _ok("Goal/b", "OK")),
    "location naming another id": _answer(_ok("Goal/a/_history/1"), _ok("Goal/zz/_history/1")),
    "location naming another type": _answer(_ok("Goal/a/_history/1"), _ok("Task/b/_history/1")),
    "location that is not Type/id": _answer(_ok("Goal/a/_history/1"), _ok("somewhere else")),
    "neither location nor resource": _answer(_ok("Goal/a/_history/1"), {"status": "200 OK"}),
    "no version anywhere": _answer(
        _ok("Goal/a/_history/1"), {"status": "200 OK", "location": "Goal/b"}
    ),
    "too few entries": _answer(_ok("Goal/a/_history/1")),
    "too many entries": _answer(*[_ok("Goal/a/_history/1")] * 3),
    "a batch-response to a transaction": _answer(
        _ok("Goal/a/_history/1"), _ok("Goal/b/_history/1"), kind="batch-response"
    ),
    "entry that is no object": {
        "resourceType": "Bundle",
        "type": "transaction-response",
        "entry": [{"response": _ok("Goal/a/_history/1")}, "x"],
    },
}


@pytest.mark.parametrize("lie", list(LIES))
def test_a_transaction_answer_that_does_not_prove_the_write_is_refused(lie: str):
    with pytest.raises(ResponseError) as caught:
        check_bundle_answer(_sent("Goal/a", "Goal/b"), LIES[lie], "transaction", url=BASE)
    # The message names what we sent, never the server's own values.
    assert "zz" not in str(caught.value)
    assert "somewhere" not in str(caught.value)


def test_a_returned_resource_must_name_what_was_sent_even_with_a_good_location():
    answer = _answer({**_ok("Goal/a/_history/1"), "status": "200 OK"})
    answer["entry"][0]["resource"] = {**GOAL, "id": "other", "meta": {"versionId": "1"}}
    with pytest.raises(ResponseError, match="another Goal"):
        check_bundle_answer(_sent("Goal/a"), answer, "transaction", url=BASE)


def test_a_create_or_conditional_update_may_get_any_id_of_its_type():
    sent = _sent("Goal", method="POST")
    sent["entry"].append({"resource": GOAL, "request": {"method": "PUT", "url": "Goal?x=1"}})
    answer = _answer(_ok("Goal/new1/_history/1"), _ok("Goal/new2/_history/1"))
    results = check_bundle_answer(sent, answer, "transaction", url=BASE)
    assert [r.id for r in results] == ["new1", "new2"]


def test_a_batch_may_carry_failed_entries_but_not_unreadable_ones():
    sent = _sent("Goal/a", "Goal/b", kind="batch")
    failed = {"status": "404 Not Found"}
    answer = _answer(_ok("Goal/a/_history/1"), failed, kind="batch-response")
    results = check_bundle_answer(sent, answer, "batch", url=BASE)
    assert [r.ok for r in results] == [True, False]
    with pytest.raises(ResponseError, match=r"no readable response\.status"):
        check_bundle_answer(sent, _answer(_ok("Goal/a/_history/1"), {}, kind="batch-response"),
                            "batch", url=BASE)  # fmt: skip


def test_deletes_need_only_a_success_status():
    sent = _sent("Goal?_tag=x", method="DELETE")
    results = check_bundle_answer(sent, _answer({"status": "204 No Content"}), "transaction",
                                  url=BASE)  # fmt: skip
    assert results[0].ok


def test_asked_reads_the_request_of_an_entry():
    assert Asked.from_entry({"request": {"method": "put", "url": "Goal/g1"}}) == Asked(
        "PUT", "Goal", "g1"
    )
    assert Asked.from_entry({"request": {"method": "PUT", "url": "Goal?identifier=a|b"}}) == Asked(
        "PUT", "Goal", None
    )
    assert Asked.from_entry({}) == Asked("", None, None)


async def test_an_update_answered_for_another_id_is_refused():
    answer = fhir_json({**GOAL, "id": "g2"}, 200, ETag='W/"2"')
    async with client_for(Script(answer)) as client:
        with pytest.raises(ResponseError, match="another Goal"):
            await client.update(GOAL)


async def test_an_update_answered_without_any_version_is_refused():
    async with client_for(Script(fhir_json(GOAL, 200))) as client:
        with pytest.raises(ResponseError, match="no version"):
            await client.update(GOAL)


async def test_a_create_answered_with_another_type_is_refused():
    answer = fhir_json({"resourceType": "Task", "id": "t1"}, 201, ETag='W/"1"')
    async with client_for(Script(answer)) as client:
        with pytest.raises(ResponseError, match="names a Task"):
            await client.create({"resourceType": "Goal"})


async def test_a_redirect_is_not_a_write():
    redirect = fhir_json({}, 302, Location="https://fhir.test/r4/Goal/g1/_history/1")
    async with client_for(Script(redirect)) as client:
        with pytest.raises(ResponseError):
            await client.update(GOAL)

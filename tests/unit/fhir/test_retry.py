"""The retry layer through the client: what is repeated, how long it waits, when it gives up."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from adapter.errors import (
    AmbiguousMatch,
    FHIRTransportError,
    InvalidResource,
    RateLimited,
    ResourceNotFound,
    ServerError,
    VersionConflict,
)
from adapter.fhir import RetryPolicy
from adapter.fhir.retry import CODE_RULES, STATUS_RULES, bundle_is_idempotent, classify

from .scripted import NO_WAIT, Script, client_for, fhir_json, outcome

GOAL = {"resourceType": "Goal", "id": "g1", "meta": {"versionId": "1"}, "lifecycleStatus": "active"}
NEW_GOAL = {"resourceType": "Goal", "lifecycleStatus": "active"}


def _waits(caplog: pytest.LogCaptureFixture) -> list[float]:
    return [r.__dict__["wait"] for r in caplog.records if getattr(r, "event", None) == "fhir.retry"]


async def test_429_with_retry_after_seconds_waits_that_long_then_succeeds(caplog):
    script = Script(outcome(429, "slow down", **{"Retry-After": "7"}), fhir_json(GOAL))
    async with client_for(script) as client:
        assert await client.read("Goal", "g1") == GOAL
    assert len(script.requests) == 2
    assert _waits(caplog) == [7.0]


async def test_429_with_retry_after_http_date_waits_until_then(caplog):
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=5), usegmt=True)
    script = Script(outcome(429, "slow down", **{"Retry-After": when}), fhir_json(GOAL))
    async with client_for(script) as client:
        assert await client.read("Goal", "g1") == GOAL
    [wait] = _waits(caplog)
    assert 3.0 <= wait <= 5.0


async def test_503_twice_then_success_is_retried():
    script = Script(outcome(503, "down"), outcome(503, "down"), fhir_json(GOAL))
    async with client_for(script) as client:
        assert await client.read("Goal", "g1") == GOAL
    assert len(script.requests) == 3


@pytest.mark.parametrize("fault", [httpx.ConnectTimeout("c"), httpx.ReadTimeout("r")])
async def test_timeouts_on_a_read_are_retried(fault):
    script = Script(fault, fhir_json(GOAL))
    async with client_for(script) as client:
        assert await client.read("Goal", "g1") == GOAL
    assert len(script.requests) == 2


async def test_plain_create_is_not_resent_after_a_timeout_once_sent():
    script = Script(httpx.ReadTimeout("sent, no answer"))
    async with client_for(script) as client:
        with pytest.raises(FHIRTransportError) as caught:
            await client.create(NEW_GOAL)
    assert caught.value.request_sent
    assert len(script.requests) == 1


async def test_plain_create_is_not_resent_after_a_503():
    script = Script(outcome(503, "maybe written"))
    async with client_for(script) as client:
        with pytest.raises(ServerError):
            await client.create(NEW_GOAL)
    assert len(script.requests) == 1


async def test_plain_create_is_resent_when_the_connection_never_opened():
    created = fhir_json(
        {**NEW_GOAL, "id": "n1"}, 201, Location=f"{'https://fhir.test/r4'}/Goal/n1/_history/1"
    )
    script = Script(httpx.ConnectError("refused"), created)
    async with client_for(script) as client:
        result = await client.create(NEW_GOAL)
    assert (result.status, result.id, result.version_id) == (201, "n1", "1")
    assert len(script.requests) == 2


async def test_conditional_create_is_resent_after_a_timeout():
    found = fhir_json({**NEW_GOAL, "id": "n1"}, 200, ETag='W/"1"')
    script = Script(httpx.ReadTimeout("sent"), found)
    async with client_for(script) as client:
        result = await client.create(NEW_GOAL, if_none_exist={"identifier": "urn:x|1"})
    assert result.status == 200
    assert [r.headers["If-None-Exist"] for r in script.requests] == ["identifier=urn%3Ax%7C1"] * 2


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, InvalidResource),
        (404, ResourceNotFound),
        (412, AmbiguousMatch),
        (422, InvalidResource),
    ],
)
async def test_client_errors_are_never_retried(status, error):
    script = Script(outcome(status, "no"))
    async with client_for(script) as client:
        with pytest.raises(error):
            await client.update(GOAL)
    assert len(script.requests) == 1


async def test_stale_if_match_raises_version_conflict_with_hapi_code():
    stale = outcome(
        409, "HAPI-0989: Trying to update Goal/g1/_history/1 but this is not the current version"
    )
    script = Script(stale)
    async with client_for(script) as client:
        with pytest.raises(VersionConflict) as caught:
            await client.update(GOAL, if_match="1")
    assert caught.value.server_code == "HAPI-0989"
    assert caught.value.status == 409
    assert script.requests[0].headers["If-Match"] == 'W/"1"'
    assert len(script.requests) == 1


async def test_412_on_if_match_is_a_version_conflict_not_ambiguity():
    script = Script(outcome(412, "version mismatch"))
    async with client_for(script) as client:
        with pytest.raises(VersionConflict):
            await client.update(GOAL, if_match='W/"3"')


async def test_rolled_back_concurrent_write_is_retried_even_for_a_plain_post():
    race = outcome(409, "HAPI-0550: HAPI-0823: version constraint failure")
    script = Script(race, fhir_json({**NEW_GOAL, "id": "n2"}, 201, ETag='W/"1"'))
    async with client_for(script) as client:
        result = await client.create(NEW_GOAL)
    assert result.id == "n2"
    assert len(script.requests) == 2


async def test_gives_up_after_max_attempts_with_the_last_error():
    script = Script(*(outcome(503, f"down {n}") for n in range(4)))
    async with client_for(script) as client:
        with pytest.raises(ServerError) as caught:
            await client.read("Goal", "g1")
    assert len(script.requests) == NO_WAIT.max_attempts
    assert caught.value.issues[0]["diagnostics"] == "down 3"
    assert "gave up after 4 attempt(s)" in caught.value.__notes__


async def test_gives_up_when_backoff_would_pass_the_total_time_cap():
    # Full jitter draws each wait from [0, 2 s]: 49 of them summing under the 5 s cap (so that
    # every attempt ran) is practically impossible, where 9 of them did now and then.
    policy = RetryPolicy(max_attempts=50, max_total_seconds=5.0, initial_wait=2.0, max_wait=2.0)
    script = Script(*(outcome(503, "down") for _ in range(50)))
    async with client_for(script, policy=policy.no_wait()) as client:
        with pytest.raises(ServerError):
            await client.read("Goal", "g1")
    assert 2 <= len(script.requests) < 50


async def test_retry_after_beyond_the_time_cap_gives_up_at_once(caplog):
    script = Script(outcome(429, "come back in an hour", **{"Retry-After": "3600"}))
    async with client_for(script) as client:
        with pytest.raises(RateLimited) as caught:
            await client.read("Goal", "g1")
    assert caught.value.retry_after == 3600.0
    assert len(script.requests) == 1
    assert _waits(caplog) == []


async def test_waits_really_sleep_unless_the_policy_says_no_wait(monkeypatch):
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr("adapter.fhir.retry.asyncio.sleep", fake_sleep)
    policy = RetryPolicy(max_attempts=3, initial_wait=0.1, max_wait=0.1)
    script = Script(outcome(503, "down"), fhir_json(GOAL))
    async with client_for(script, policy=policy) as client:
        await client.read("Goal", "g1")
    assert len(slept) == 1
    assert 0.0 <= slept[0] <= 0.1


async def test_one_log_line_per_retry_without_ids_queries_or_bodies(caplog):
    caplog.set_level(logging.WARNING, logger="adapter.fhir.retry")
    script = Script(
        outcome(503, "secret-diagnostic"), outcome(503, "x"), fhir_json({"resourceType": "Bundle"})
    )
    async with client_for(script) as client:
        async for _ in client.search_pages("Goal", {"identifier": "urn:mrn|PATIENT-42"}):
            pass
    lines = [r for r in caplog.records if getattr(r, "event", None) == "fhir.retry"]
    assert [(r.method, r.resource_type, r.status, r.attempt) for r in lines] == [
        ("GET", "Goal", 503, 1),
        ("GET", "Goal", 503, 2),
    ]
    text = " ".join(r.getMessage() + repr(r.__dict__) for r in lines)
    assert "PATIENT-42" not in text
    assert "secret-diagnostic" not in text


def test_classifier_table_never_retries_the_permanent_statuses():
    for status in (400, 401, 403, 404, 409, 410, 412, 413, 422):
        assert not STATUS_RULES[status].idempotent, status
    for status in (408, 425, 429, 500, 502, 503, 504):
        assert STATUS_RULES[status].idempotent, status
    assert not any(STATUS_RULES[s].non_idempotent for s in (500, 502, 503, 504))
    assert all(status in (409, 410, 500) for status, _ in CODE_RULES)


def test_unknown_errors_are_permanent():
    assert classify(ValueError("boom")) == classify(RuntimeError("other"))
    assert not classify(ValueError("boom")).idempotent


@pytest.mark.parametrize(
    ("methods", "expected"),
    [
        ([{"method": "PUT"}, {"method": "DELETE"}, {"method": "GET"}], True),
        ([{"method": "POST", "ifNoneExist": "identifier=a|b"}, {"method": "PUT"}], True),
        ([{"method": "PUT"}, {"method": "POST"}], False),
        ([{"method": "PATCH"}], False),
    ],
)
def test_bundle_is_idempotent_only_when_every_entry_is(methods, expected):
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [{"request": m} for m in methods],
    }
    assert bundle_is_idempotent(bundle) is expected


async def test_non_idempotent_transaction_is_not_resent_after_a_502():
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [{"resource": NEW_GOAL, "request": {"method": "POST", "url": "Goal"}}],
    }
    script = Script(outcome(502, "gateway"))
    async with client_for(script) as client:
        with pytest.raises(ServerError):
            await client.transaction(bundle)
    assert len(script.requests) == 1

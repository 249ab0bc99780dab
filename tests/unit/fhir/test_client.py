"""Requests the client builds and answers it reads: headers, URLs, paging, bundles."""

from __future__ import annotations

import json

import httpx
import pytest

from adapter.errors import InputError, PagingExpired, UnsafeURLError
from adapter.fhir.client import FHIR_JSON

from .scripted import BASE, Script, client_for, fhir_json, outcome

GOAL = {"resourceType": "Goal", "id": "g1", "lifecycleStatus": "active"}


def page(ids: list[str], next_link: str | None = None) -> httpx.Response:
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [
            {"resource": {"resourceType": "Goal", "id": i}, "search": {"mode": "match"}}
            for i in ids
        ],
        "link": [{"relation": "next", "url": next_link}] if next_link else [],
    }
    return fhir_json(bundle)


@pytest.mark.parametrize(
    "next_link",
    [
        f"{BASE}?_getpages=abc&_getpagesoffset=2",
        "?_getpages=abc&_getpagesoffset=2",
        "Goal?_getpages=abc&_getpagesoffset=2",
    ],
)
async def test_search_follows_absolute_and_relative_next_links(next_link):
    script = Script(page(["a", "b"], next_link), page(["c"]))
    async with client_for(script) as client:
        found = [r["id"] async for r in client.search("Goal", {"_count": "2"})]
    assert found == ["a", "b", "c"]
    second = script.requests[1].url
    assert str(second).startswith(BASE)
    assert second.params["_getpages"] == "abc"


@pytest.mark.parametrize(
    "foreign",
    [
        "https://evil.test/r4?_getpages=abc",
        "http://fhir.test/r4?_getpages=abc",
        "https://fhir.test:8443/r4?_getpages=abc",
        "https://fhir.test/other?_getpages=abc",
        "//evil.test/r4?x=1",
    ],
)
async def test_next_link_outside_the_base_is_refused_without_a_request(foreign):
    script = Script(page(["a"], foreign))
    async with client_for(script) as client:
        pages = client.search_pages("Goal")
        await anext(pages)
        with pytest.raises(UnsafeURLError):
            await anext(pages)
    assert len(script.requests) == 1


async def test_expired_paging_link_raises_paging_expired():
    gone = outcome(410, "HAPI-0417: Search ID abc does not exist and may have expired")
    script = Script(page(["a"], f"{BASE}?_getpages=abc"), gone)
    async with client_for(script) as client:
        with pytest.raises(PagingExpired) as caught:
            [r async for r in client.search("Goal")]
    assert caught.value.status == 410
    assert len(script.requests) == 2


async def test_410_without_a_code_on_a_paging_link_is_still_paging_expired():
    script = Script(page(["a"], f"{BASE}?_getpages=abc"), httpx.Response(410))
    async with client_for(script) as client:
        with pytest.raises(PagingExpired):
            [r async for r in client.search("Goal")]


async def test_search_sends_no_cache_when_asked_and_skips_includes():
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [
            {"resource": {"resourceType": "Goal", "id": "g"}, "search": {"mode": "match"}},
            {"resource": {"resourceType": "Patient", "id": "p"}, "search": {"mode": "include"}},
        ],
    }
    script = Script(fhir_json(bundle))
    async with client_for(script) as client:
        found = [
            r["id"]
            async for r in client.search("Goal", {"_include": "Goal:subject"}, no_cache=True)
        ]
    assert found == ["g"]
    request = script.requests[0]
    assert request.headers["Cache-Control"] == "no-cache"
    assert request.headers["Accept"] == FHIR_JSON


async def test_repeated_search_params_are_all_sent():
    script = Script(page([]))
    async with client_for(script) as client:
        [r async for r in client.search("Goal", {"_lastUpdated": ["ge2026-01-01", "lt2026-02-01"]})]
    assert script.requests[0].url.params.get_list("_lastUpdated") == [
        "ge2026-01-01",
        "lt2026-02-01",
    ]


async def test_create_sends_fhir_json_and_reads_location():
    created = fhir_json(
        {**GOAL, "id": "new"}, 201, Location=f"{BASE}/Goal/new/_history/1", ETag='W/"1"'
    )
    script = Script(created)
    async with client_for(script) as client:
        result = await client.create({"resourceType": "Goal", "lifecycleStatus": "active"})
    request = script.requests[0]
    assert (request.method, str(request.url)) == ("POST", f"{BASE}/Goal")
    assert request.headers["Content-Type"].startswith(FHIR_JSON)
    assert request.headers["Prefer"] == "return=representation"
    assert json.loads(request.content)["lifecycleStatus"] == "active"
    assert (result.created, result.resource_type, result.id, result.version_id) == (
        True,
        "Goal",
        "new",
        "1",
    )


async def test_update_with_operation_outcome_reports_no_change():
    body = {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "information",
                "code": "informational",
                "details": {
                    "coding": [
                        {
                            "system": "https://hapifhir.io/fhir/CodeSystem/hapi-fhir-storage-response-code",
                            "code": "SUCCESSFUL_UPDATE_NO_CHANGE",
                        }
                    ]
                },
            }
        ],
    }
    script = Script(
        fhir_json(body, 200, ETag='W/"4"', **{"Content-Location": f"{BASE}/Goal/g1/_history/4"})
    )
    async with client_for(script) as client:
        result = await client.update(GOAL, prefer="OperationOutcome")
    assert script.requests[0].headers["Prefer"] == "return=OperationOutcome"
    assert str(script.requests[0].url) == f"{BASE}/Goal/g1"
    assert result.storage_code == "SUCCESSFUL_UPDATE_NO_CHANGE"
    assert (result.id, result.version_id, result.resource) == ("g1", "4", None)


async def test_conditional_update_puts_to_the_type_with_criteria():
    script = Script(fhir_json(GOAL, 201, ETag='W/"1"'))
    async with client_for(script) as client:
        await client.conditional_update(GOAL, {"identifier": "urn:cm:goal|G-1"})
    request = script.requests[0]
    assert request.method == "PUT"
    assert request.url.path == "/r4/Goal"
    assert request.url.params["identifier"] == "urn:cm:goal|G-1"


async def test_update_without_id_is_refused_locally():
    script = Script()
    async with client_for(script) as client:
        with pytest.raises(InputError):
            await client.update({"resourceType": "Goal"})
    assert script.requests == []


async def test_vread_and_delete_urls():
    deleted = fhir_json({"resourceType": "OperationOutcome", "issue": []})
    script = Script(fhir_json(GOAL), deleted)
    async with client_for(script) as client:
        await client.vread("Goal", "g1", "3")
        result = await client.delete("Goal", "g1")
    assert [(r.method, r.url.path) for r in script.requests] == [
        ("GET", "/r4/Goal/g1/_history/3"),
        ("DELETE", "/r4/Goal/g1"),
    ]
    assert result.outcome is not None


async def test_batch_surfaces_per_entry_results():
    answer = {
        "resourceType": "Bundle",
        "type": "batch-response",
        "entry": [
            {
                "response": {
                    "status": "201 Created",
                    "location": "Goal/a/_history/1",
                    "etag": 'W/"1"',
                }
            },
            {
                "response": {
                    "status": "400 Bad Request",
                    "outcome": {
                        "resourceType": "OperationOutcome",
                        "issue": [
                            {
                                "severity": "error",
                                "code": "processing",
                                "diagnostics": "HAPI-1094: x",
                            }
                        ],
                    },
                }
            },
        ],
    }
    script = Script(fhir_json(answer))
    bundle = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [
            {"resource": GOAL, "request": {"method": "PUT", "url": "Goal/a"}},
            {"resource": GOAL, "request": {"method": "PUT", "url": "Goal/b"}},
        ],
    }
    async with client_for(script) as client:
        result = await client.batch(bundle)
    assert str(script.requests[0].url) == BASE
    assert [(e.status, e.ok) for e in result.entries] == [(201, True), (400, False)]
    assert (result.entries[0].id, result.entries[0].version_id) == ("a", "1")
    [(index, failed)] = result.failed
    assert index == 1
    assert failed.issues[0]["diagnostics"] == "HAPI-1094: x"


async def test_bundle_of_the_wrong_type_is_refused_locally():
    async with client_for(Script()) as client:
        with pytest.raises(InputError):
            await client.transaction({"resourceType": "Bundle", "type": "batch"})


async def test_history_pages_and_since():
    first = fhir_json(
        {
            "resourceType": "Bundle",
            "type": "history",
            "entry": [
                {"fullUrl": f"{BASE}/Goal/a", "request": {"method": "DELETE", "url": "Goal/a"}}
            ],
            "link": [{"relation": "next", "url": f"{BASE}?_getpages=h1"}],
        }
    )
    second = fhir_json({"resourceType": "Bundle", "type": "history", "entry": [{"fullUrl": "b"}]})
    script = Script(first, second)
    async with client_for(script) as client:
        entries = [e async for e in client.history("Goal", since="2026-01-01T00:00:00Z", count=1)]
    assert len(entries) == 2
    assert script.requests[0].url.path == "/r4/Goal/_history"
    assert script.requests[0].url.params["_since"] == "2026-01-01T00:00:00Z"


async def test_validate_returns_the_outcome_even_on_412():
    script = Script(outcome(412, "Goal.lifecycleStatus: minimum required = 1", code="required"))
    async with client_for(script) as client:
        result = await client.validate({"resourceType": "Goal"})
    assert script.requests[0].url.path == "/r4/Goal/$validate"
    assert not result.valid
    assert result.status == 412
    assert result.errors[0]["code"] == "required"

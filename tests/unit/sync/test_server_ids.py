"""Server-assigned ids: what is sent instead of ``PUT Type/<our id>``, and what of the answer is
believed. The happy paths run against the production-like HAPI (tests/integration/
test_sync_suite.py); a server that names the wrong ids cannot be had on demand, so these script
its answers."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from adapter.canonical import identifier_system
from adapter.errors import ResponseError
from adapter.fhir import FHIRClient
from adapter.sync.idmap import ID_TAG_SYSTEM, IdMap
from adapter.sync.ledger.records import ResourceKey
from adapter.sync.server_ids import ServerIdClient, with_server_ids
from tests.unit.fhir.scripted import BASE, NO_WAIT, Script, client_for, fhir_json

EPISODE = ResourceKey("EpisodeOfCare", "cm-case-000000000000000000000001")
PLAN = ResourceKey("CarePlan", "cm-careplan-000000000000000000000002")
TASK = ResourceKey("Task", "cm-task-000000000000000000000003")
STORAGE_CODES = "https://hapifhir.io/fhir/CodeSystem/hapi-fhir-storage-response-code"


class Store:
    def __init__(self, known: dict[ResourceKey, str] | None = None) -> None:
        self.known = dict(known or {})
        self.recorded: list[tuple[ResourceKey, str]] = []

    def server_ids(self, server: str) -> dict[ResourceKey, str]:
        return dict(self.known)

    def record_server_ids(self, server: str, pairs: Any) -> None:
        self.recorded += list(pairs)

    def server_ids_of(self, server: str, keys: Any) -> dict[ResourceKey, str]:
        held = {**self.known, **dict(self.recorded)}
        return {key: held[key] for key in keys if key in held}


def ours(key: ResourceKey, kind: str, **elements: Any) -> dict[str, Any]:
    ident = {"system": identifier_system(kind), "value": f"CM-1/{kind}"}
    return {"resourceType": key[0], "id": key[1], "identifier": [ident], **elements}


def entry(resource: dict[str, Any], if_match: str | None = None) -> dict[str, Any]:
    request = {"method": "PUT", "url": f"{resource['resourceType']}/{resource['id']}"}
    if if_match:
        request["ifMatch"] = f'W/"{if_match}"'
    full = f"urn:uuid:{resource['id'][-12:]:0>8}-0000-4000-8000-000000000000"
    return {"fullUrl": full, "resource": resource, "request": request}


def answer(*locations: tuple[str, str]) -> httpx.Response:
    entries = [{"response": {"status": status, "location": loc}} for status, loc in locations]
    return fhir_json({"resourceType": "Bundle", "type": "transaction-response", "entry": entries})


def bundle(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "transaction", "entry": list(entries)}


def by_identifier(kind: str) -> str:
    return urlencode({"identifier": f"{identifier_system(kind)}|CM-1/{kind}"})


def test_an_id_map_translates_ids_and_references_both_ways():
    ids = IdMap({EPISODE: "901"})
    task: dict[str, Any] = {
        "resourceType": "Task",
        "id": TASK[1],
        "basedOn": [{"reference": f"CarePlan/{PLAN[1]}"}],
        "focus": {"reference": f"EpisodeOfCare/{EPISODE[1]}"},
    }
    sent = ids.to_server(task, pending={f"CarePlan/{PLAN[1]}": "urn:uuid:p"})
    assert "id" not in sent  # the server has not named it yet
    assert sent["basedOn"] == [{"reference": "urn:uuid:p"}]
    assert sent["focus"] == {"reference": "EpisodeOfCare/901"}
    ids.add(TASK, "77")
    ids.add(PLAN, "78")
    read = {**sent, "id": "77", "basedOn": [{"reference": "CarePlan/78"}]}
    assert ids.to_local(read) == task
    foreign = {"resourceType": "Patient", "id": "ehr-5", "link": [{"reference": "Patient/9"}]}
    assert ids.to_local(foreign) == foreign == ids.to_server(foreign) | {"id": "ehr-5"}


async def test_known_resources_go_by_the_servers_id_new_ones_by_identifier():
    store = Store({EPISODE: "901"})
    script = Script(
        answer(
            ("200 OK", "EpisodeOfCare/901/_history/4"),
            ("201 Created", "CarePlan/902/_history/1"),
            ("201 Created", "Task/903/_history/1"),
        )
    )
    plan = ours(PLAN, "careplan", subject={"reference": f"EpisodeOfCare/{EPISODE[1]}"})
    task = ours(TASK, "task", basedOn=[{"reference": f"CarePlan/{PLAN[1]}"}])
    async with client_for(script) as plain:
        plain.server_ids = True
        client = await with_server_ids(plain, store)
        assert isinstance(client, ServerIdClient)
        result = await client.transaction(
            bundle(entry(ours(EPISODE, "case"), "3"), entry(plan), entry(task))
        )
    sent = json.loads(script.requests[0].content)["entry"]
    assert [e["request"] for e in sent] == [
        {"method": "PUT", "url": "EpisodeOfCare/901", "ifMatch": 'W/"3"'},
        {"method": "PUT", "url": "CarePlan?" + by_identifier("careplan")},
        {"method": "PUT", "url": "Task?" + by_identifier("task")},
    ]
    assert sent[0]["resource"]["id"] == "901"
    assert "id" not in sent[1]["resource"]
    assert sent[1]["resource"]["subject"] == {"reference": "EpisodeOfCare/901"}
    assert sent[2]["resource"]["basedOn"] == [{"reference": sent[1]["fullUrl"]}]
    assert store.recorded == [(PLAN, "902"), (TASK, "903")]
    # the caller sees its own ids, with the server's versions
    assert [(r.id, r.version_id) for r in result.entries] == [
        (EPISODE[1], "4"),
        (PLAN[1], "1"),
        (TASK[1], "1"),
    ]


async def test_a_conditional_update_that_changed_nothing_is_no_change():
    unchanged = {
        "system": STORAGE_CODES,
        "code": "SUCCESSFUL_UPDATE_WITH_CONDITIONAL_MATCH_NO_CHANGE",
    }
    said = {"resourceType": "OperationOutcome", "issue": [{"details": {"coding": [unchanged]}}]}
    response = {"status": "200 OK", "location": "Task/903/_history/2", "outcome": said}
    script = Script(
        fhir_json(
            {
                "resourceType": "Bundle",
                "type": "transaction-response",
                "entry": [{"response": response}],
            }
        )
    )
    async with client_for(script) as plain:
        plain.server_ids = True
        client = await with_server_ids(plain, Store())
        result = await client.transaction(bundle(entry(ours(TASK, "task"))))
    assert result.entries[0].storage_code == "SUCCESSFUL_UPDATE_NO_CHANGE"


@pytest.mark.parametrize(
    ("locations", "why"),
    [
        (
            [("201 Created", "CarePlan/902/_history/1"), ("201 Created", "Task/902/_history/1")],
            None,
        ),
        (
            [("201 Created", "CarePlan/901/_history/1"), ("201 Created", "Task/903/_history/1")],
            "belongs to another of our resources",
        ),
    ],
)
async def test_an_id_the_server_cannot_have_given_is_never_recorded(
    locations: list[tuple[str, str]], why: str | None
):
    store = Store({ResourceKey("CarePlan", "cm-careplan-0000000000000000000000ff"): "901"})
    script = Script(answer(*locations))
    async with client_for(script) as plain:
        plain.server_ids = True
        client = await with_server_ids(plain, store)
        call = client.transaction(bundle(entry(ours(PLAN, "careplan")), entry(ours(TASK, "task"))))
        if why is None:  # two types may share an id: that is no contradiction
            await call
            assert store.recorded == [(PLAN, "902"), (TASK, "902")]
            return
        with pytest.raises(ResponseError, match=why):
            await call
    assert store.recorded == []


async def test_reads_and_searches_come_back_under_our_ids():
    store = Store({TASK: "903", PLAN: "902"})
    found = {"resourceType": "Task", "id": "903", "basedOn": [{"reference": "CarePlan/902"}]}
    page = {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": found}]}
    script = Script(fhir_json(found), fhir_json(page))
    async with client_for(script) as plain:
        plain.server_ids = True
        client = await with_server_ids(plain, store)
        read = await client.read(*TASK)
        searched = [r async for r in client.search("Task", {"_id": f"{TASK[1]},other"})]
    assert script.requests[0].url.path.endswith("/Task/903")
    assert script.requests[1].url.params["_id"] == "903,other"
    expected = {
        "resourceType": "Task",
        "id": TASK[1],
        "basedOn": [{"reference": f"CarePlan/{PLAN[1]}"}],
    }
    assert read == expected
    assert searched == [expected]


async def test_a_server_that_takes_client_ids_gets_the_plain_client():
    async with client_for(Script()) as plain:
        assert await with_server_ids(plain, Store()) is plain


async def test_one_resource_is_written_by_one_transaction_at_a_time():
    """Two cases of one client, pushed in parallel, both carry its new Patient: the second
    transaction goes only after the first's answer named the Patient, so the server is never
    asked to create it twice at once."""
    patient = ResourceKey("Patient", "cm-patient-000000000000000000000009")
    first_answered = asyncio.Event()
    order: list[str] = []

    async def server(request: httpx.Request) -> httpx.Response:
        sent = json.loads(request.content)["entry"]
        order.append(sent[1]["request"]["url"].split("?")[0])
        if len(order) == 1:
            await asyncio.sleep(0.05)  # the first is slow; the second must wait for it
            first_answered.set()
            return answer(
                ("201 Created", "Patient/700/_history/1"), ("201 Created", "Task/1/_history/1")
            )
        assert first_answered.is_set()
        return answer(("200 OK", "Patient/700/_history/1"), ("201 Created", "Task/2/_history/1"))

    store = Store()
    async with httpx.AsyncClient(transport=httpx.MockTransport(server)) as http:
        plain = FHIRClient(http, BASE, policy=NO_WAIT, server_ids=True)
        client = await with_server_ids(plain, store)
        tasks = [
            ours(ResourceKey("Task", f"cm-task-00000000000000000000000{n}"), "task") for n in (1, 2)
        ]
        tasks[1]["identifier"][0]["value"] = "CM-2/task"
        await asyncio.gather(
            *(client.transaction(bundle(entry(ours(patient, "client")), entry(t))) for t in tasks)
        )
    assert order == ["Task", "Task"]
    assert store.recorded == [(patient, "700"), (ResourceKey("Task", tasks[0]["id"]), "1"),
                              (ResourceKey("Task", tasks[1]["id"]), "2")]  # fmt: skip


async def test_a_resource_without_an_identifier_is_found_by_a_tag_that_never_reaches_the_case():
    """R4 Provenance has no identifier: on the wire it carries our id as a tag, so the server
    finds it by a conditional update on ``_tag``; read back, the tag is gone again."""
    own_id = "cm-revision-000000000000000000000004"
    theirs: dict[str, Any] = {"system": "urn:ns", "code": "a"}
    tag: dict[str, Any] = {"system": ID_TAG_SYSTEM, "code": own_id}
    revision: dict[str, Any] = {"resourceType": "Provenance", "id": own_id}
    revision["meta"] = {"tag": [theirs]}
    key = ResourceKey("Provenance", own_id)
    stored = {**revision, "id": "555", "meta": {"versionId": "1", "tag": [theirs, tag]}}
    script = Script(answer(("201 Created", "Provenance/555/_history/1")), fhir_json(stored))
    store = Store()
    async with client_for(script) as plain:
        plain.server_ids = True
        client = await with_server_ids(plain, store)
        await client.transaction(bundle(entry(revision)))
        read = await client.read(*key)
    [sent] = json.loads(script.requests[0].content)["entry"]
    assert sent["request"] == {
        "method": "PUT",
        "url": "Provenance?" + urlencode({"_tag": f"{ID_TAG_SYSTEM}|{own_id}"}),
    }
    assert sent["resource"]["meta"]["tag"] == [theirs, tag]
    assert store.recorded == [(key, "555")]
    assert read == {**revision, "meta": {"versionId": "1", "tag": [theirs]}}


async def test_ids_another_worker_recorded_after_the_run_began_are_used():
    """Two workers on one ledger: the episode was created (and its id recorded) by the other
    worker after this client read the ledger's ids; a plan referring to it must name the
    server's id, not our deterministic one the server never heard of."""
    store = Store()
    script = Script(answer(("201 Created", "CarePlan/902/_history/1")))
    plan = ours(PLAN, "careplan", subject={"reference": f"EpisodeOfCare/{EPISODE[1]}"})
    async with client_for(script) as plain:
        plain.server_ids = True
        client = await with_server_ids(plain, store)
        store.known[EPISODE] = "901"  # the other worker's write, recorded in the ledger
        await client.transaction(bundle(entry(plan)))
    sent = json.loads(script.requests[0].content)["entry"]
    assert sent[0]["resource"]["subject"] == {"reference": "EpisodeOfCare/901"}

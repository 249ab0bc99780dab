"""Partial pushes against the real HAPI: what lands when one entry cannot, and what the ledger
then takes as the base of later merges."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from adapter.fhir import FHIRClient, open_client
from adapter.mappings.bundle import case_to_resources
from adapter.model.validation import parse_case
from adapter.settings import load_settings
from adapter.sync.ledger import ReasonCode
from adapter.sync.planner import key_of, plan_case
from adapter.sync.sender import CaseSender
from tests.integration.push_support import fresh_cases

pytestmark = pytest.mark.integration


@pytest.fixture
async def client(fhir_base_url: str) -> AsyncIterator[FHIRClient]:
    async with open_client(load_settings(fhir_base_url=fhir_base_url)) as fhir:
        yield fhir


async def test_a_conditional_reference_matching_nothing_holds_back_only_its_resource(
    client: FHIRClient,
):
    [case] = fresh_cases(1)
    resources = case_to_resources(parse_case(case))
    # Another system's style: a match URL instead of an id. HAPI answers the whole transaction
    # with 404 HAPI-1091 without saying which entry.
    stray = next(r for r in resources if r["resourceType"] == "Communication")
    nobody = f"urn:test:nobody|{uuid.uuid4().hex}"
    stray["recipient"] = [{"reference": f"Patient?identifier={nobody}"}]
    plan = plan_case(case["id"], resources, {})

    sent = await CaseSender(client).send(plan.send)

    [(key, failure)] = sent.failed
    assert key == key_of(stray)
    assert failure.reason is ReasonCode.DANGLING_REFERENCE
    assert failure.server_code == "HAPI-1091"
    assert nobody not in failure.message  # the match URL quotes an identifier
    landed = {(r.resource_type, r.resource_id) for r in sent.landed}
    assert landed == {key_of(r) for r in resources} - {key_of(stray)}
    episode = next(k for k in landed if k[0] == "EpisodeOfCare")
    assert (await client.read(*episode))["id"] == episode[1]

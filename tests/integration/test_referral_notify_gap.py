"""The service against HAPI: a notification whose event number skips makes the next run poll
the referral Tasks addressed to the organization (the claim query) before its pull; numbers
in sequence only pull."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapter.api import create_app
from adapter.settings import Settings, load_settings
from tests.integration.test_referral_inbound import Referrer
from tests.support.api import TOKEN, serve

pytestmark = pytest.mark.integration


@pytest.fixture
def referrer(fhir_base_url: str) -> Iterator[Referrer]:
    made = Referrer(fhir_base_url)
    yield made
    made.http.close()


@pytest.fixture
def settings(fhir_base_url: str, tmp_path: Path, referrer: Referrer) -> Settings:
    return load_settings(
        fhir_base_url=fhir_base_url,
        ledger_url=f"sqlite:///{tmp_path / 'ledger.db'}",
        api_token=TOKEN,
        referral_organization=referrer.cm_org,
    )


def notification(number: int) -> dict[str, Any]:
    """A backport (R4) event notification numbered ``number``."""
    parameters = [
        {"name": "subscription", "valueReference": {"reference": "Subscription/referrals"}},
        {"name": "type", "valueCode": "event-notification"},
        {"name": "events-since-subscription-start", "valueString": str(number)},
        {
            "name": "notification-event",
            "part": [{"name": "event-number", "valueString": str(number)}],
        },
    ]
    resource = {"resourceType": "Parameters", "parameter": parameters}
    return {"resourceType": "Bundle", "type": "history", "entry": [{"resource": resource}]}


async def test_a_gap_in_the_notifications_polls_the_referrals(settings, referrer):
    app = create_app(settings)
    task = referrer.refer()
    case_id = f"REF-{task.split('/')[1]}"
    async for client in serve(app):
        ledger = app.state.adapter.ledger
        first = await client.post("/fhir/notify", json=notification(1))
        assert "never came" not in first.text
        await app.state.adapter.runs.wait()
        assert ledger.get_case(case_id) is None  # in sequence: a pull, no referral poll

        skipped = await client.post("/fhir/notify", json=notification(3))

        assert "events 2 never came" in skipped.text
        await app.state.adapter.runs.wait()
        claimed = ledger.get_case(case_id)
        assert claimed is not None
        assert claimed.document is not None
        assert claimed.document["status"] == "referred"
        assert ledger.inbound_referral(settings.fhir_base_url, task.split("/")[1]) is not None

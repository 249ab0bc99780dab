"""The same sync suite on both HAPI configurations: the default sandbox HAPI (the adapter's own
ids, PUT by id) and the production-like one (server-assigned ids only, 50 entries per
transaction, no system history), where the adapter writes by conditional update on its business
identifiers and keeps the server's ids in the ledger.

The production target is marked ``production``: without ADAPTER_TEST_PRODUCTION_FHIR_URL it
fails (it never skips). Its settings are the ones ``adapter ping`` learns there (checked by
``test_the_profile_learned_there_chooses_these_settings``).
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from adapter.errors import LedgerError
from adapter.fhir import FHIRClient, open_client
from adapter.mappings.bundle import case_to_resources
from adapter.model.validation import parse_case
from adapter.settings import Settings, load_settings
from adapter.sync.ledger import Ledger, ResourceKey
from adapter.sync.pull.run import pull_changes
from adapter.sync.push.marker import MARKER_TYPE
from adapter.sync.push.outcomes import CaseStatus
from adapter.sync.push.repair import repair
from adapter.sync.push.run import CaseInput, push_cases
from adapter.sync.push.verify import verify
from adapter.sync.resources import key_of
from adapter.sync.server_ids import with_server_ids
from tests.integration.push_support import expected_counts, fresh_cases, server_counts
from tests.integration.test_push_split import CAP, BundleSizes
from tests.support.casefiles import with_many_tasks

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Target:
    name: str
    settings: Settings
    pull_strategy: str

    @property
    def server_ids(self) -> bool:
        return self.settings.fhir_id_strategy == "server"


@pytest.fixture(
    params=[
        "default",
        pytest.param("production", marks=pytest.mark.production),
        pytest.param("medplum", marks=pytest.mark.medplum),
    ]
)
def target(request: pytest.FixtureRequest) -> Target:
    if request.param == "default":
        url = request.getfixturevalue("fhir_base_url")
        return Target("default", load_settings(fhir_base_url=url), "auto")
    if request.param == "medplum":  # what ping learns there: not atomic, no _history to pull
        url = request.getfixturevalue("medplum_fhir_url")
        settings = load_settings(fhir_base_url=url, fhir_atomic_transactions=False)
        return Target("medplum", settings, "search")
    url = request.getfixturevalue("production_fhir_url")
    settings = load_settings(
        fhir_base_url=url, fhir_id_strategy="server", fhir_max_transaction_entries=CAP
    )
    return Target("production", settings, "type-history")


@pytest.fixture
def sizes() -> BundleSizes:
    return BundleSizes()


@pytest.fixture
async def fhir(target: Target, sizes: BundleSizes) -> AsyncIterator[FHIRClient]:
    async with open_client(target.settings, transport=sizes) as client:
        yield client


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Ledger]:
    with Ledger.open(f"sqlite:///{tmp_path / 'ledger.sqlite'}") as opened:
        yield opened


@pytest.fixture
def namespace() -> str:
    return f"suite-{uuid.uuid4().hex[:10]}"


def inputs(cases: list[dict[str, Any]]) -> list[CaseInput]:
    return [CaseInput(case["id"], case, "test") for case in cases]


def resource_of(case: dict[str, Any], kind: str, namespace: str) -> dict[str, Any]:
    mapped = case_to_resources(parse_case(case), namespace=namespace)
    return next(r for r in mapped if r["resourceType"] == kind)


async def as_provider(fhir: FHIRClient, ledger: Ledger, key: ResourceKey) -> dict[str, Any]:
    """The server's copy of one of our resources, read the way another system would: by the id
    the server knows it by (the server's own where it assigns ids)."""
    server_id = ledger.server_ids(fhir.base.url).get(key) if fhir.server_ids else key[1]
    assert server_id is not None, key
    assert fhir.server_ids == (server_id != key[1])
    return await fhir.read(key[0], server_id)


async def test_the_examples_land_and_a_second_push_writes_nothing(
    target: Target, fhir: FHIRClient, store: Ledger, namespace: str, sizes: BundleSizes
):
    cases = fresh_cases()
    report = await push_cases(inputs(cases), client=fhir, ledger=store, namespace=namespace)
    assert report.all_ok, [c.describe() for c in report.failed]
    expected = expected_counts(cases, namespace)
    assert report.resources_written == sum(expected.values())
    reader = await with_server_ids(fhir, store)  # Provenance has no identifier: counted by id
    assert await server_counts(reader, cases, namespace) == expected
    ids = store.server_ids(fhir.base.url)
    assert len(ids) == (sum(expected.values()) + 1 if target.server_ids else 0)  # + the marker
    sizes.requests.clear()

    again = await push_cases(inputs(cases), client=fhir, ledger=store, namespace=namespace)

    assert again.count(CaseStatus.UNCHANGED) == len(cases)
    assert again.resources_written == 0
    assert len(sizes.requests) == 1  # the marker read, and not one write


async def test_an_edit_sends_only_the_changed_resource(
    fhir: FHIRClient, store: Ledger, namespace: str, sizes: BundleSizes
):
    [case] = fresh_cases(1)
    await push_cases(inputs([case]), client=fhir, ledger=store, namespace=namespace)
    changed = copy.deepcopy(case)
    changed["plan"]["goals"][0]["description"] = "Walk to the mailbox and back every day"
    goal = key_of(resource_of(changed, "Goal", namespace))
    before = (await as_provider(fhir, store, goal))["meta"]["versionId"]
    sizes.sizes.clear()
    sizes.written.clear()

    report = await push_cases(inputs([changed]), client=fhir, ledger=store, namespace=namespace)

    assert report.resources_written == 1
    # One transaction of one entry of the case; where the server takes our ids, the
    # installation's marker rides along in it (adapter.sync.push.ride) instead of a PUT after.
    assert len(sizes.sizes) == 1
    assert len([url for url in sizes.written if not url.startswith(f"{MARKER_TYPE}/")]) == 1
    on_server = await as_provider(fhir, store, goal)
    assert on_server["meta"]["versionId"] != before  # "2" on HAPI, a new uuid on Medplum
    assert on_server["description"]["text"] == "Walk to the mailbox and back every day"


async def test_a_providers_change_is_pulled_into_the_case(
    target: Target, fhir: FHIRClient, store: Ledger, namespace: str
):
    [case] = fresh_cases(1)
    await push_cases(inputs([case]), client=fhir, ledger=store, namespace=namespace)
    task = key_of(resource_of(case, "Task", namespace))
    current = await as_provider(fhir, store, task)
    since = datetime.fromisoformat(current["meta"]["lastUpdated"])  # the server's clock
    assert current["status"] != "completed"
    await fhir.update({**current, "status": "completed"})  # the provider's change

    report = await pull_changes(
        fhir, store, since=since, namespace=namespace, strategy=target.pull_strategy
    )

    found = store.get_case(case["id"])
    assert found is not None
    assert found.document is not None
    first = case["tasks"][0]["id"]
    [pulled] = [t for t in found.document["tasks"] if t["id"] == first]
    assert pulled["status"] == "completed"
    assert [u.case_id for u in report.updates] == [case["id"]]


async def test_verify_is_clean_and_a_lost_resource_is_repaired(
    fhir: FHIRClient, store: Ledger, namespace: str
):
    cases = fresh_cases(2)
    await push_cases(inputs(cases), client=fhir, ledger=store, namespace=namespace)
    clean = await verify(fhir, store, namespace=namespace)
    assert clean.agrees, clean.summary()
    note = key_of(resource_of(cases[0], "Communication", namespace))  # nothing references it
    on_server = await as_provider(fhir, store, note)
    await fhir.delete("Communication", on_server["id"])  # behind the adapter's back

    broken = await verify(fhir, store, namespace=namespace)
    assert (broken.missing, broken.changed) == (1, 0)
    again = await push_cases(inputs(cases[:1]), client=fhir, ledger=store, namespace=namespace)
    assert again.resources_written == 0  # the ledger still claims it: a push alone trusts it
    repaired = await repair(fhir, store, broken, namespace=namespace)
    assert repaired is not None
    assert repaired.resources_written == 1
    assert (await verify(fhir, store, namespace=namespace)).agrees


async def test_a_plan_with_200_tasks_lands_under_a_50_entry_cap(
    target: Target, store: Ledger, namespace: str
):
    case = with_many_tasks("CM-2001", uuid.uuid4().hex[:10], tasks=200)
    settings = target.settings.model_copy(update={"fhir_max_transaction_entries": CAP})
    sizes = BundleSizes()
    async with open_client(settings, transport=sizes) as fhir:
        report = await push_cases(inputs([case]), client=fhir, ledger=store, namespace=namespace)
        assert report.all_ok, [c.describe() for c in report.failed]
        reader = await with_server_ids(fhir, store)
        on_server = await server_counts(reader, [case], namespace)
        sent, sizes.sizes = sizes.sizes, []
        again = await push_cases(inputs([case]), client=fhir, ledger=store, namespace=namespace)

    expected = expected_counts([case], namespace)
    assert expected["Task"] == 200
    assert on_server == expected
    assert max(sent) <= CAP
    assert sum(sent) == sum(expected.values()) + 1  # the plan twice: stub first, whole last
    assert again.resources_written == 0
    assert sizes.sizes == []


async def test_two_cases_of_one_client_pushed_together_make_one_patient(
    fhir: FHIRClient, store: Ledger, namespace: str
):
    first, second = fresh_cases(2)
    second["client"] = copy.deepcopy(first["client"])  # a readmission: the same client

    report = await push_cases(
        inputs([first, second]), client=fhir, ledger=store, namespace=namespace, concurrency=2
    )

    assert report.all_ok, [c.describe() for c in report.failed]
    reader = await with_server_ids(fhir, store)
    counted = await server_counts(reader, [first, second], namespace)
    assert counted == expected_counts([first, second], namespace)
    assert counted["Patient"] == 1


async def test_a_new_ledger_adopts_what_the_server_holds_instead_of_writing_it_again(
    fhir: FHIRClient, store: Ledger, namespace: str, sizes: BundleSizes, tmp_path: Path
):
    cases = fresh_cases(3)
    await push_cases(inputs(cases), client=fhir, ledger=store, namespace=namespace)
    # The ledger is lost; the case-management system sends the same cases, one of them edited.
    cases[0]["tasks"][0]["description"] = "Call the pharmacy again about the refill"
    sizes.written.clear()
    with Ledger.open(f"sqlite:///{tmp_path / 'new-ledger.db'}") as fresh:
        first, second = [
            await push_cases(inputs(cases), client=fhir, ledger=fresh, namespace=namespace)
            for _ in range(2)
        ]
        reader = await with_server_ids(fhir, fresh)
        counted = await server_counts(reader, cases, namespace)
        agrees = (await verify(fhir, fresh, namespace=namespace)).agrees

    # only the edited Task was sent (by the server's id where it assigns them), nothing twice
    assert (first.server_check, first.resources_written, first.all_ok) == ("adopt", 1, True)
    assert [url.split("/")[0] for url in sizes.written] == ["Task"]
    assert counted == expected_counts(cases, namespace)
    assert agrees
    assert (second.server_check, second.resources_written) == ("same", 0)


class LosesTheFirstIds(Ledger):
    """A ledger that fails once, right after the server committed and named the new ids (a
    disk full, a killed process): the ids are known only to the server."""

    failed = False

    def record_server_ids(self, server: str, pairs: Any) -> None:
        if not self.failed:
            self.failed = True
            raise LedgerError("disk full", operation="record_server_ids")
        super().record_server_ids(server, pairs)


@pytest.mark.production
async def test_ids_the_ledger_never_recorded_are_found_again_without_a_second_copy(
    production_fhir_url: str, tmp_path: Path, namespace: str
):
    settings = load_settings(fhir_base_url=production_fhir_url, fhir_id_strategy="server")
    [case] = fresh_cases(1)
    with LosesTheFirstIds.open(f"sqlite:///{tmp_path / 'ledger.sqlite'}") as ledger:
        async with open_client(settings) as fhir:
            runs = [
                await push_cases(inputs([case]), client=fhir, ledger=ledger, namespace=namespace)
                for _ in range(2)
            ]
            reader = await with_server_ids(fhir, ledger)
            counted = await server_counts(reader, [case], namespace)
            agrees = (await verify(fhir, ledger, namespace=namespace)).agrees

    assert [str(r.cases[0].reason) for r in runs] == ["ledger-error", "None"]
    expected = expected_counts([case], namespace)
    assert counted == expected  # one of each: the second run found the first run's resources
    assert runs[1].resources_written == 0  # and wrote nothing new over them
    assert agrees

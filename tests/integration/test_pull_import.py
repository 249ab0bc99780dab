"""Pull and import against the real HAPI server.

The server is shared: every test re-identifies its example cases with a fresh suffix and only
looks at its own cases in the reports (other tests' resources show up as "not ours").
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from adapter.canonical import identifier_system
from adapter.fhir import FHIRClient
from adapter.mappings.bundle import case_to_bundle, case_to_resources
from adapter.model.case import Case
from adapter.model.codes import GoalAchievement, TaskStatus
from adapter.sync.ledger import Ledger
from adapter.sync.pull.changes import history_time
from adapter.sync.pull.gather import RestGatherer
from adapter.sync.pull.importer import ImportSummary, OwnData, import_with
from adapter.sync.pull.inbound import DisputeKind
from adapter.sync.pull.run import PullReport, pull_changes
from adapter.sync.push.run import CaseInput, push_cases
from tests.support.casefiles import example_case

pytestmark = pytest.mark.integration

ACHIEVED = {
    "coding": [
        {"system": "http://terminology.hl7.org/CodeSystem/goal-achievement", "code": "achieved"}
    ]
}


def suffix() -> str:
    return uuid.uuid4().hex[:10]


async def push(client: FHIRClient, ledger: Ledger, *cases: Case) -> None:
    inputs = [CaseInput(c.id, c.model_dump(mode="json"), "test") for c in cases]
    report = await push_cases(inputs, client=client, ledger=ledger)
    assert report.all_ok, [c.describe() for c in report.failed]


def resource_of(case: Case, kind: str, record_id: str) -> dict[str, Any]:
    return next(
        r
        for r in case_to_resources(case)
        if r["resourceType"] == kind
        and any(i["value"] == f"{case.id}/{record_id}" for i in r.get("identifier", []))
    )


async def edit(client: FHIRClient, case: Case, kind: str, record_id: str, **elements: Any) -> str:
    """PUT the server's current version with ``elements`` changed, as another system would."""
    current = await client.read(kind, resource_of(case, kind, record_id)["id"])
    written = await client.update({**current, **elements})
    assert written.version_id is not None
    return written.version_id


def stored(ledger: Ledger, case_id: str) -> Case:
    found = ledger.get_case(case_id)
    assert found is not None
    return Case.model_validate(found.document)


def update_for(report: PullReport, case_id: str) -> Any:
    return next((u for u in report.updates if u.case_id == case_id), None)


async def server_now(client: FHIRClient) -> datetime:
    page = await anext(client.history_pages(count=1, no_cache=True))
    stamp = history_time(page)
    assert stamp is not None
    return stamp


async def test_provider_changes_come_back_into_the_stored_case_once(client, ledger):
    case = example_case("CM-2001", suffix())  # T-2 in progress, G-1 improving
    await push(client, ledger, case)
    await pull_changes(client, ledger)  # our own push echoes back: nothing to apply
    assert update_for(await pull_changes(client, ledger), case.id) is None
    await edit(client, case, "Task", "T-2", status="completed")
    await edit(client, case, "Goal", "G-1", achievementStatus=ACHIEVED)

    report = await pull_changes(client, ledger)

    after = stored(ledger, case.id)
    assert next(t for t in after.tasks if t.id == "T-2").status is TaskStatus.COMPLETED
    assert after.plan is not None
    assert after.plan.goals[0].achievement is GoalAchievement.ACHIEVED
    shown = [str(c) for c in update_for(report, case.id).changes]
    assert "task T-2 status: in-progress -> completed" in shown
    assert "goal G-1 achievement: improving -> achieved" in shown
    assert report.watermark is not None
    again = await pull_changes(client, ledger)
    assert update_for(again, case.id) is None  # deduplicated: the ledger holds these versions
    assert again.watermark is not None
    assert again.watermark >= report.watermark
    # The next push does not send the pulled Task and Goal back (the pulled versions are its
    # baseline); only what derives from them moves (the referral's ServiceRequest status).
    await push(client, ledger, after)
    sent = [r for r in ledger.attempts_for_case(case.id)[-1].resources or [] if r["changed"]]
    assert {r["type"] for r in sent} <= {"ServiceRequest"}


async def test_a_change_that_is_not_valid_fhir_is_named_and_the_rest_applies(client, ledger):
    case = example_case("CM-2001", suffix())
    await push(client, ledger, case)
    await pull_changes(client, ledger)
    task = await client.read("Task", resource_of(case, "Task", "T-2")["id"])
    del task["status"]  # another system drops a required element; HAPI stores it as sent
    await client.update(task)
    await edit(client, case, "Goal", "G-1", achievementStatus=ACHIEVED)

    report = await pull_changes(client, ledger)

    assert f"Task/{task['id']}: not valid FHIR: Task.status: " in "\n".join(report.invalid)
    after = stored(ledger, case.id)
    assert after.plan is not None
    assert after.plan.goals[0].achievement is GoalAchievement.ACHIEVED  # the valid change
    assert next(t for t in after.tasks if t.id == "T-2").status is TaskStatus.IN_PROGRESS


async def test_a_task_deleted_on_the_server_is_cancelled_in_the_case(client, ledger):
    case = example_case("CM-2007", suffix())  # in screening: one task, no plan pointing at it
    await push(client, ledger, case)
    await pull_changes(client, ledger)
    [task] = case.tasks
    await client.delete("Task", resource_of(case, "Task", task.id)["id"])

    report = await pull_changes(client, ledger)

    assert stored(ledger, case.id).tasks[0].status is TaskStatus.CANCELLED
    assert not update_for(report, case.id).disputes


async def test_an_illegal_transition_is_a_conflict_and_other_changes_still_apply(client, ledger):
    case = example_case("CM-2002", suffix())  # T-1 completed, G-1 in progress
    await push(client, ledger, case)
    await pull_changes(client, ledger)
    version = await edit(client, case, "Task", "T-1", status="requested")
    await edit(client, case, "Goal", "G-1", achievementStatus=ACHIEVED)

    report = await pull_changes(client, ledger)

    after = stored(ledger, case.id)
    assert next(t for t in after.tasks if t.id == "T-1").status is TaskStatus.COMPLETED
    assert after.plan is not None
    assert after.plan.goals[0].achievement is GoalAchievement.ACHIEVED
    [dispute] = update_for(report, case.id).disputes
    assert dispute.kind == DisputeKind.ILLEGAL
    [conflict] = ledger.conflicts(case_id=case.id)
    assert conflict.server_version == version
    assert conflict.resource_type == "Task"


async def test_import_of_one_client_and_of_all_recent_cases_round_trips(client, tmp_path):
    tag = suffix()
    start = await server_now(client)
    first = example_case("CM-2001", tag)
    second = example_case("CM-2009", tag)  # closed case
    for case in (first, second):
        await client.transaction(case_to_bundle(case))

    by_id = await _import(client, tmp_path / "one", patient=_patient_id(first))
    by_identifier = await _import(
        client, tmp_path / "two", patient=f"{identifier_system('client')}|{second.client.id}"
    )
    everything = await _import(client, tmp_path / "all", since=start)

    assert [c.case_id for c in by_id.imported] == [first.id]
    assert _read(by_id.imported[0].path) == first
    assert by_id.imported[0].warnings == ()  # the adapter's own data: nothing defaulted
    assert [c.case_id for c in by_identifier.imported] == [second.id]
    assert _read(by_identifier.imported[0].path) == second
    mine = {c.case_id for c in everything.imported} & {first.id, second.id}
    assert mine == {first.id, second.id}
    again = next(c for c in everything.imported if c.case_id == first.id)
    assert again.path.name == by_id.imported[0].path.name
    assert again.path.read_text() == by_id.imported[0].path.read_text()  # deterministic


async def test_foreign_resources_import_with_warnings_and_defaults(client, tmp_path):
    tag = suffix()
    resources = _foreign(tag)
    await client.transaction(
        {
            "resourceType": "Bundle",
            "type": "transaction",
            "entry": [
                {
                    "resource": r,
                    "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"},
                }
                for r in resources
            ],
        }
    )

    summary = await _import(client, tmp_path, patient=f"fp-{tag}")

    assert not summary.failed
    by_id = {c.case_id: c for c in summary.imported}
    imported = by_id[f"fep-{tag}"]
    case = _read(imported.path)
    assert [t.status for t in case.tasks] == [TaskStatus.ACCEPTED]  # FHIR "ready"
    assert case.plan is not None
    assert [g.description for g in case.plan.goals] == ["Walk daily"]
    assert any("funding-stream ignored" in w for w in imported.warnings)
    # No referral: described with a default and a warning, not refused.
    without = by_id[f"fep2-{tag}"]
    assert any("referralRequest missing" in w for w in without.warnings)


def _patient_id(case: Case) -> str:
    return str(next(r["id"] for r in case_to_resources(case) if r["resourceType"] == "Patient"))


def _read(path: Path) -> Case:
    """The imported case, its ``origin`` aside (test_cli_pull_import checks that)."""
    case = Case.model_validate(json.loads(path.read_text(encoding="utf-8"))["case"])
    assert case.origin is not None  # others' data always says where it came from
    return case.model_copy(update={"origin": None})


def _foreign(tag: str) -> list[dict[str, Any]]:
    """A client's case as another system writes it (shaped like the FHIR spec's examples)."""
    patient = {"reference": f"Patient/fp-{tag}"}
    episode = {"reference": f"EpisodeOfCare/fep-{tag}"}
    workflow = "http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare"
    return [
        {
            "resourceType": "Patient", "id": f"fp-{tag}", "gender": "female",
            "name": [{"family": "Example", "given": ["Pat"]}], "birthDate": "1970-01-01",
        },
        {
            "resourceType": "ServiceRequest", "id": f"fref-{tag}", "status": "active",
            "intent": "order", "subject": patient, "authoredOn": "2023-02-27",
        },
        {
            "resourceType": "EpisodeOfCare", "id": f"fep-{tag}", "status": "planned",
            "patient": patient, "period": {"start": "2023-03-01"},
            "referralRequest": [{"reference": f"ServiceRequest/fref-{tag}"}],
            "extension": [
                {"url": "http://example.org/fhir/StructureDefinition/funding-stream",
                 "valueString": "state grant"}
            ],
        },
        {
            "resourceType": "Goal", "id": f"fg-{tag}", "lifecycleStatus": "proposed",
            "description": {"text": "Walk daily"}, "subject": patient,
        },
        {
            "resourceType": "CarePlan", "id": f"fcp-{tag}", "status": "draft", "intent": "plan",
            "subject": patient, "created": "2023-03-12",
            "extension": [{"url": workflow, "valueReference": episode}],
            "goal": [{"reference": f"Goal/fg-{tag}"}],
        },
        {
            "resourceType": "Task", "id": f"ft-{tag}", "status": "ready", "intent": "order",
            "for": patient, "basedOn": [{"reference": f"CarePlan/fcp-{tag}"}],
            "authoredOn": "2023-03-15T09:20:00+01:00", "description": "Call the client back",
        },
        # No referral (optional in FHIR): a default referral, with a warning.
        {
            "resourceType": "EpisodeOfCare", "id": f"fep2-{tag}", "status": "active",
            "patient": patient, "period": {"start": "2023-04-01"},
        },
    ]  # fmt: skip


async def test_import_leaves_this_installations_cases_out_unless_asked(client, tmp_path):
    tag = suffix()
    start = await server_now(client)
    case = example_case("CM-2001", tag)
    mine, theirs = f"imp-a-{tag}", f"imp-b-{tag}"
    for namespace in (mine, theirs):
        await client.transaction(case_to_bundle(case, namespace=namespace))

    others = await _import(client, tmp_path / "others", since=start, namespace=mine)
    both = await _import(
        client, tmp_path / "both", since=start, namespace=mine, own_data=OwnData.INCLUDE
    )
    only = await _import(
        client, tmp_path / "only", since=start, namespace=mine, own_data=OwnData.ONLY
    )

    # Another installation is another system: its copy is imported by default.
    assert [c.case_id for c in others.imported].count(case.id) == 1
    assert others.own_left_out >= 1
    assert _read(next(c.path for c in others.imported if c.case_id == case.id)) == case
    # Both copies, in two files named by their identifier systems.
    copies = [c for c in both.imported if c.case_id == case.id]
    assert len(copies) == 2
    assert len({c.path.name for c in copies}) == 2
    assert [c.case_id for c in only.imported] == [case.id]
    assert mine in only.imported[0].source


async def _import(
    client: FHIRClient,
    out: Path,
    *,
    patient: str | None = None,
    since: datetime | None = None,
    namespace: str | None = None,
    own_data: OwnData = OwnData.EXCLUDE,
) -> ImportSummary:
    gatherer = RestGatherer(client, patient, since=since)
    return await import_with(
        gatherer, server=client.base.url, out_dir=out, namespace=namespace, own_data=own_data
    )

"""Referral Tasks on the performer's server (G8), the pure parts: what stays on the case's
server, absolute references, the merge onto the performer's copy, the answer check, and the
ledger's rows per Task server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from adapter.mappings.bundle import case_to_resources
from adapter.mappings.resources.gravity import SDOHCC_CODES
from adapter.sync.ledger import Ledger
from adapter.sync.referrals.remote import (
    absolute,
    answer_problem,
    is_fulfill,
    merged,
    split_referrals,
)
from adapter.sync.referrals.task_pull import _apply
from adapter.sync.resources import references
from adapter.sync.type_selection import Selection
from tests.support.casefiles import example_case

CASE = "http://ehr.example/fhir"


def resources() -> list[dict[str, Any]]:
    return case_to_resources(example_case("CM-2001", "g8"))  # T-1: a referral (CT-3)


def test_the_referral_tasks_leave_the_case_and_nothing_there_references_them():
    mapped = resources()
    here, tasks = split_referrals(mapped)

    assert tasks
    assert all(is_fulfill(t) for t in tasks)
    gone = {f"Task/{t['id']}" for t in tasks}
    assert not any(is_fulfill(r) for r in here)
    assert {r["resourceType"] for r in here} >= {"ServiceRequest", "CarePlan", "Task"}
    assert not any(gone & _references(r) for r in here)  # no dangling reference left
    [plan] = [r for r in here if r["resourceType"] == "CarePlan"]
    [whole] = [r for r in mapped if r["resourceType"] == "CarePlan"]
    assert len(plan["activity"]) == len(whole["activity"]) - len(tasks)


def test_the_selection_leaves_them_out_without_counting_them_and_names_the_server():
    mapped = resources()
    away = Selection(referrals_elsewhere="https://cbo.example/fhir")
    kept, left = away.apply(mapped)

    assert len(kept) == len(mapped) - len(split_referrals(mapped)[1])
    assert left == {}  # not "left out": written elsewhere
    fingerprints = {
        Selection().fingerprint("m"),
        away.fingerprint("m"),
        Selection(referrals_elsewhere="https://other.example/fhir").fingerprint("m"),
    }
    assert len(fingerprints) == 3  # a new Task server makes every case map again
    assert Selection().fingerprint("m") == "m"
    assert away.without({"Provenance"}).referrals_elsewhere == away.referrals_elsewhere


def test_references_become_absolute_on_the_case_server():
    task = {
        "resourceType": "Task",
        "focus": {"reference": "ServiceRequest/sr-1"},
        "for": {"reference": "Patient/p-1"},
        "basedOn": [{"reference": "CarePlan/cp-1"}],
        "owner": {"reference": "https://cbo.example/fhir/Organization/o-1"},
        "extension": [{"url": "x", "valueReference": {"reference": "EpisodeOfCare/e-1"}}],
        "input": [{"valueReference": {"reference": "#contained"}}],
    }
    out = absolute(task, CASE + "/")

    assert out["focus"] == {"reference": f"{CASE}/ServiceRequest/sr-1"}
    assert out["for"] == {"reference": f"{CASE}/Patient/p-1"}
    assert out["basedOn"] == [{"reference": f"{CASE}/CarePlan/cp-1"}]
    assert out["extension"][0]["valueReference"] == {"reference": f"{CASE}/EpisodeOfCare/e-1"}
    assert out["owner"] == task["owner"]  # absolute already
    assert out["input"] == task["input"]  # contained: not a server's
    assert task["focus"] == {"reference": "ServiceRequest/sr-1"}  # the input is not changed


def _task(status: str, **more: Any) -> dict[str, Any]:
    return {"resourceType": "Task", "status": status, "description": "Meals", **more}


@pytest.mark.parametrize(
    ("ours", "theirs", "last", "expected"),
    [
        ("requested", "accepted", "requested", "accepted"),  # ours unchanged: the performer's
        ("requested", "completed", "requested", "completed"),
        ("cancelled", "requested", "requested", "cancelled"),  # the requester's own value
        ("cancelled", "received", "requested", "cancelled"),
        ("cancelled", "completed", "requested", "completed"),  # finished work stands
        ("completed", "in-progress", "in-progress", "in-progress"),
        ("in-progress", "cancelled", "in-progress", "cancelled"),  # ours unchanged: theirs kept
        ("completed", "cancelled", "in-progress", None),  # nobody's to settle
        ("requested", "requested", "requested", "requested"),
    ],
)
def test_status_is_owned_per_value_on_the_performers_copy(ours, theirs, last, expected):
    result = merged(_task(ours), _task(theirs), last)

    assert (result or {}).get("status") == expected


def test_the_performers_elements_go_with_its_status_and_ours_with_ours():
    output = [{"type": {"text": "resulting-activity"}, "valueCodeableConcept": {"text": "Done"}}]
    theirs = _task("completed", output=output, statusReason={"text": "x"}, description="old")
    kept = merged(_task("requested", description="new"), theirs, "requested")
    assert kept is not None
    assert (kept["status"], kept["output"], kept["statusReason"]) == (
        "completed",
        output,
        {"text": "x"},
    )
    assert kept["description"] == "new"  # the case manager's element

    cancel = merged(
        _task("cancelled", statusReason={"text": "moved"}),
        theirs | {"status": "received"},
        "requested",
    )
    assert cancel is not None
    assert cancel["statusReason"] == {"text": "moved"}


def test_the_answer_must_show_what_was_sent():
    sent = absolute(next(r for r in resources() if is_fulfill(r)), CASE)

    assert answer_problem(sent, {**sent, "id": "1", "meta": {"versionId": "1"}}) is None
    assert "no Task" in str(answer_problem(sent, None))
    other = "failed" if sent["status"] != "failed" else "accepted"
    assert "status" in str(answer_problem(sent, {**sent, "status": other}))
    moved = {**sent, "focus": {"reference": "ServiceRequest/other"}}
    assert "Task.focus" in str(answer_problem(sent, moved))
    relative = {**sent, "for": {"reference": sent["for"]["reference"].removeprefix(CASE + "/")}}
    assert "Task.for" in str(answer_problem(sent, relative))  # absolute as sent, not relative


def test_the_ledger_keeps_the_rows_per_task_server(tmp_path: Path):
    def confirmed(ledger: Ledger, server: str, task_id: str, version: str) -> None:
        ledger.record_referral_task(
            server, "CM-1", "T-1", task_id=task_id, version=version, content_hash="h",
            status="requested",
        )  # fmt: skip

    def rows(ledger: Ledger) -> list[tuple[str | None, str | None, str | None]]:
        return [
            (r.task_id, r.version, r.pending)
            for server in ("https://a/fhir", "https://b/fhir")
            for r in ledger.referral_tasks(server, "CM-1")
        ]

    with Ledger.open(f"sqlite:///{tmp_path / 'l.sqlite'}") as ledger:
        ledger.referral_task_pending("https://a/fhir", "CM-1", "T-1", "TransportError: refused")
        confirmed(ledger, "https://b/fhir", "9", "1")
        assert rows(ledger) == [(None, None, "TransportError: refused"), ("9", "1", None)]

        ledger.referral_task_pending("https://b/fhir", "CM-1", "T-1", "VersionConflict")
        confirmed(ledger, "https://a/fhir", "3", "2")
        # a's confirmed (no longer pending); b's last confirmation kept, with the failure
        assert rows(ledger) == [("3", "2", None), ("9", "1", "VersionConflict")]
        assert ledger.referral_tasks("https://b/fhir", "CM-2") == []


def _references(resource: Any) -> set[str]:
    return set(references(resource))


@pytest.mark.parametrize(
    ("server_status", "applied", "stored_status"),
    [
        ("accepted", True, "accepted"),
        ("completed", True, "completed"),
        ("cancelled", False, "requested"),  # the requester's value: never taken from the server
        ("entered-in-error", False, "requested"),
    ],
)
def test_the_pull_takes_only_the_performers_statuses(
    tmp_path: Path, server_status: str, applied: bool, stored_status: str
):
    case = example_case("CM-2001", "pull").model_dump(mode="json", exclude_none=True)
    next(t for t in case["tasks"] if t["id"] == "T-1")["status"] = "requested"
    with Ledger.open(f"sqlite:///{tmp_path / 'l.sqlite'}") as ledger:
        ledger.put_case(case["id"], case, source="test")
        ledger.record_referral_task(
            "https://cbo/fhir", case["id"], "T-1", task_id="7", version="1", content_hash="h",
            status="requested",
        )  # fmt: skip
        [row] = ledger.referral_tasks("https://cbo/fhir")
        output = [
            {"type": {"coding": [{"system": SDOHCC_CODES, "code": "resulting-activity"}]},
             "valueCodeableConcept": {"text": "Meals delivered"}}
        ]  # fmt: skip
        answer = _apply(ledger, row, _task(server_status, output=output))

        assert answer is not None
        assert answer.applied is applied
        found = ledger.get_case(case["id"])
        assert found is not None
        assert found.document is not None
        task = next(t for t in found.document["tasks"] if t["id"] == "T-1")
        assert task["status"] == stored_status
        assert (task.get("outcome") == "Meals delivered") is (stored_status == "completed")
        assert (not applied) == ("not applied" in answer.line())

"""Issue 14, item 1: what a push merges from the server reaches the stored case, against HAPI.

The reproduction: a case is pushed, a provider completes one of its tasks on the server, the
case manager rewords that task, and the nightly push merges the two. The server is right
(completed, new wording); the stored case must be too, and the next pull must not leave it
behind by taking the merged version for the adapter's own write.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.loop_support import Desk, restore_from_backup

pytestmark = pytest.mark.integration


def test_a_push_that_merges_a_completion_stores_it_and_says_so(fhir_base_url: str, tmp_path: Path):
    desk = Desk(fhir_base_url, tmp_path)
    assert desk.push()[0] == 0
    desk.provider_sets("T-2", status="completed")
    desk.record("T-2")["description"] = "Teach daily weights; diuretic plan revised"

    code, out = desk.push()

    assert code == 0, out
    assert "merged 1" in out
    assert "task T-2 status: in-progress -> completed (from the server)" in out
    on_server = desk.read("T-2")
    assert on_server["status"] == "completed"
    assert on_server["description"] == "Teach daily weights; diuretic plan revised"
    stored = desk.record("T-2", desk.stored())
    assert stored["status"] == "completed"
    assert stored["description"] == "Teach daily weights; diuretic plan revised"

    code, out = desk.pull()

    assert code == 0, out
    assert desk.record("T-2", desk.stored())["status"] == "completed"
    # Pushed again as it is, the file (still in progress) sends nothing and keeps the completion.
    code, out = desk.push()
    assert code == 0, out
    assert "resources: 0 written" in out
    assert desk.record("T-2", desk.stored())["status"] == "completed"
    assert desk.read("T-2")["status"] == "completed"


def test_a_server_restored_from_a_backup_loses_no_provider_change(
    fhir_base_url: str, tmp_path: Path
):
    desk = Desk(fhir_base_url, tmp_path)
    assert desk.push()[0] == 0
    backup = desk.read_all()
    desk.record("T-3")["description"] = "Cardiology follow-up, booked by the clinic"
    assert desk.push()[0] == 0  # the ledger now holds the task at version 2
    restore_from_backup(fhir_base_url, backup)  # the server's case is back at version 1
    desk.provider_sets("T-3", status="completed")  # version 2 again, other content

    code, out = desk.pull()

    assert code == 1, out  # the reworded description the restore undid is a conflict
    assert "the server went back in time: 1 resources" in out
    assert "adapter verify" in out
    assert "task T-3 status: requested -> completed" in out
    assert desk.record("T-3", desk.stored())["status"] == "completed"
    assert "(description)" in out

    code, out = desk.pull()  # read again: now known, no second warning

    assert "went back in time" not in out
    assert desk.record("T-3", desk.stored())["status"] == "completed"


def test_the_first_pull_reads_only_this_installations_resources(fhir_base_url: str, tmp_path: Path):
    desk = Desk(fhir_base_url, tmp_path)
    assert desk.push()[0] == 0
    ours = len(desk.read_all())
    desk.provider_sets("T-2", status="completed")

    code, out = desk.cli("pull", "--json")  # no watermark yet, no --since

    assert code == 0, out
    summary = json.loads(out)
    assert summary["first_read"] == "namespace"
    # Every resource read is one of ours: the shared server's other data stays unread.
    assert summary["entries_read"] == ours
    assert summary["cases_updated"] == 1
    assert desk.record("T-2", desk.stored())["status"] == "completed"

    code, out = desk.cli("pull")  # from the watermark on: the history again

    assert code == 0, out
    assert "history entries" in out
    assert "; 0 cases updated," in out

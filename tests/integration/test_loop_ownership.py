"""Issue 14, item 2: ownership holds in both directions, against HAPI.

A case-management element changed on the server (another system rewords a goal) is a conflict
for the pull, never applied; the next push writes the case manager's value back and closes the
conflict, even when the file has not changed since. A performer-owned element changed in the
same write still comes in.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from adapter.sync.ledger import Ledger
from tests.integration.loop_support import Desk

pytestmark = pytest.mark.integration

ACHIEVED = {
    "coding": [
        {"system": "http://terminology.hl7.org/CodeSystem/goal-achievement", "code": "achieved"}
    ]
}


def open_conflicts(desk: Desk) -> list[tuple[str, list[str]]]:
    with Ledger.open(desk.ledger_url) as ledger:
        found = ledger.conflicts(case_id=desk.case["id"])
    return [(c.resource_type, c.fields) for c in found]


def test_a_goal_reworded_on_the_server_is_written_back_by_the_next_push(
    fhir_base_url: str, tmp_path: Path
):
    desk = Desk(fhir_base_url, tmp_path)
    assert desk.push()[0] == 0
    ours = desk.record("G-1")["description"]
    desk.provider_sets(
        "G-1", description={"text": "reworded elsewhere"}, achievementStatus=ACHIEVED
    )

    code, out = desk.pull()

    assert code == 1, out
    assert "(description)" in out
    assert "goal G-1 achievement: improving -> achieved" in out
    assert open_conflicts(desk) == [("Goal", ["description"])]

    code, out = desk.push()  # the same file, unchanged since the first push

    assert code == 0, out
    assert "restored 1;" in out
    on_server = desk.read("G-1")
    assert on_server["description"]["text"] == ours
    assert on_server["achievementStatus"]["coding"][0]["code"] == "achieved"
    assert open_conflicts(desk) == []
    stored = desk.record("G-1", desk.stored())
    assert (stored["description"], stored["achievement"]) == (ours, "achieved")

    code, out = desk.pull()  # our write-back echoes: nothing new, nothing open

    assert code == 0, out
    assert ", 0 conflicts, 0 warnings" in out
    code, out = desk.push()
    assert code == 0, out
    assert "resources: 0 written" in out

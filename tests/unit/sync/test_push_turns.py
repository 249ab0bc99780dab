"""push_in_turns: cases another worker holds come back until taken, in input order per case,
and are reported held once no set-aside case has come free for 2 x the lease."""

from __future__ import annotations

from adapter.sync.ledger import Ledger
from adapter.sync.push.leasing import CaseLeases, push_in_turns
from adapter.sync.push.outcomes import CaseOutcome, CaseStatus
from tests.support.ledger import SERVER

Item = tuple[str, int]  # (case id, version)


async def test_a_held_case_comes_back_and_its_later_version_waits_behind_it(ledger: Ledger):
    leases = CaseLeases(ledger, SERVER, "me", seconds=0.4)
    busy = {"B": 2}  # the other worker holds B for two more asks
    done: list[Item] = []

    async def work(item: Item) -> CaseOutcome:
        name = item[0]
        if busy.get(name, 0) > 0:
            busy[name] -= 1
            return CaseOutcome(name, CaseStatus.HELD)
        done.append(item)
        return CaseOutcome(name, CaseStatus.WRITTEN)

    items = [("A", 1), ("B", 1), ("B", 2), ("C", 1)]
    outcomes = await push_in_turns(
        items, key=lambda item: item[0], work=work, concurrency=2, leases=leases
    )

    assert sorted(o.case_id for o in outcomes) == ["A", "B", "B", "C"]
    assert all(o.status is CaseStatus.WRITTEN for o in outcomes)
    assert [item for item in done if item[0] == "B"] == [("B", 1), ("B", 2)]


async def test_a_case_held_all_along_is_reported_held(ledger: Ledger):
    leases = CaseLeases(ledger, SERVER, "me", seconds=0.4)
    asked: list[str] = []

    async def work(item: Item) -> CaseOutcome:
        asked.append(item[0])
        held = item[0] == "X"
        return CaseOutcome(item[0], CaseStatus.HELD if held else CaseStatus.UNCHANGED)

    outcomes = await push_in_turns(
        [("X", 1), ("Y", 1)], key=lambda item: item[0], work=work, concurrency=4, leases=leases
    )

    assert {(o.case_id, o.status) for o in outcomes} == {
        ("X", CaseStatus.HELD),
        ("Y", CaseStatus.UNCHANGED),
    }
    assert asked.count("X") > 2  # asked again while waiting, then given up


async def test_without_leases_every_item_is_worked_once(ledger: Ledger):
    seen: list[Item] = []

    async def work(item: Item) -> CaseOutcome:
        seen.append(item)
        return CaseOutcome(item[0], CaseStatus.WRITTEN)

    items = [("A", 1), ("B", 1)]
    outcomes = await push_in_turns(
        items, key=lambda item: item[0], work=work, concurrency=2, leases=None
    )
    assert [o.case_id for o in outcomes] == ["A", "B"]
    assert sorted(seen) == items

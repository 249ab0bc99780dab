"""Splitting a send for a server with a transaction cap: whole dependency groups in order, a
reference cycle larger than the cap broken at its hub (stub first, whole hub last)."""

from __future__ import annotations

from typing import Any

from adapter.sync.ledger.records import ResourceKey
from adapter.sync.push.planner import Planned
from adapter.sync.push.split import parts
from adapter.sync.resources import reference_values


def planned(kind: str, rid: str, *refs: str, version: str | None = None, **more: Any) -> Planned:
    body: dict[str, Any] = {"resourceType": kind, "id": rid, **more}
    if refs:
        body["basedOn"] = [{"reference": ref} for ref in refs]
    return Planned(ResourceKey(kind, rid), body, if_match=version)


def plan_with_tasks(count: int, *, version: str | None = None) -> list[Planned]:
    tasks = [planned("Task", f"t{i}", "CarePlan/p", "Patient/x") for i in range(count)]
    activity = [{"reference": {"reference": f"Task/t{i}"}, "progress": []} for i in range(count)]
    plan = Planned(
        ResourceKey("CarePlan", "p"),
        {"resourceType": "CarePlan", "id": "p", "subject": {"reference": "Patient/x"},
         "activity": activity},
        if_match=version,
    )  # fmt: skip
    return [planned("Patient", "x"), plan, *tasks]


def sent_before(split: list[list[Planned]]) -> list[tuple[str, str, bool]]:
    """(type, id, whole?) in sending order; whole = has every reference it had."""
    return [(p.key[0], p.key[1], bool(p.body.get("activity"))) for part in split for p in part]


def test_no_cap_or_a_fitting_send_is_one_part():
    send = plan_with_tasks(3)
    assert parts(send, None) == [send]
    assert parts(send, 5) == [send]


def test_independent_groups_are_packed_whole_referenced_ones_first():
    send = [planned("Goal", f"g{i}", "Patient/x") for i in range(5)] + [planned("Patient", "x")]
    split = parts(send, 4)
    assert [len(part) for part in split] == [4, 2]
    assert split[0][0].key == ResourceKey("Patient", "x")


def test_a_cycle_larger_than_the_cap_is_broken_at_its_hub():
    send = plan_with_tasks(10)
    split = parts(send, 4)
    assert all(len(part) <= 4 for part in split)
    order = sent_before(split)
    plan_sends = [i for i, (kind, _, _) in enumerate(order) if kind == "CarePlan"]
    first, last = plan_sends
    assert order[first] == ("CarePlan", "p", False)  # the stub: no activity
    assert order[last] == ("CarePlan", "p", True)
    assert last == len(order) - 1
    assert order.index(("Patient", "x", False)) < first  # what the stub references goes first
    assert all(first < i < last for i, (kind, _, _) in enumerate(order) if kind == "Task")
    stub = split[0][1] if len(split[0]) > 1 else split[1][0]
    assert reference_values(stub.body) == {"Patient/x"}
    whole = split[-1][-1]
    assert (whole.if_match, whole.body) == (None, send[1].body)
    assert sorted(order) == sorted(
        [("Patient", "x", False), ("CarePlan", "p", False), ("CarePlan", "p", True)]
        + [("Task", f"t{i}", False) for i in range(10)]
    )


def test_a_plan_the_server_holds_is_no_cycle_its_tasks_go_first_and_it_goes_once():
    send = plan_with_tasks(10, version="3")
    order = sent_before(parts(send, 4))
    assert [entry for entry in order if entry[0] == "CarePlan"] == [("CarePlan", "p", True)]
    assert order[-1] == ("CarePlan", "p", True)

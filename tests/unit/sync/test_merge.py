"""Three-way merge by field ownership: who wins where both sides changed a field."""

from __future__ import annotations

from decimal import Decimal

from adapter.sync.merge import three_way
from adapter.sync.ownership import owner_of, performer_owned

BASE = {
    "resourceType": "Task",
    "id": "t1",
    "meta": {"versionId": "1", "profile": ["p"]},
    "status": "requested",
    "description": "Call the clinic",
    "executionPeriod": {"start": "2024-01-01"},
}


def changed(**fields: object) -> dict[str, object]:
    return {**BASE, **fields}


def test_server_only_change_is_kept_and_local_only_change_applied():
    merge = three_way(
        ours=changed(description="Call on Monday"),
        theirs=changed(status="completed", meta={"versionId": "2", "profile": ["p"]}),
        ours_base=BASE,
        theirs_base=BASE,
    )
    assert merge.clean
    assert merge.body["status"] == "completed"
    assert merge.body["description"] == "Call on Monday"
    assert merge.applied == ("description",)
    assert merge.kept_from_server == ("status",)
    assert "versionId" not in merge.body["meta"]


def test_performer_owned_field_changed_on_both_sides_keeps_the_server_value():
    merge = three_way(
        ours=changed(status="cancelled"),
        theirs=changed(status="completed"),
        ours_base=BASE,
        theirs_base=BASE,
    )
    assert merge.clean
    assert merge.body["status"] == "completed"
    assert merge.server_won == ("status",)


def test_case_management_field_changed_differently_on_both_sides_is_a_conflict():
    merge = three_way(
        ours=changed(description="ours"),
        theirs=changed(description="theirs"),
        ours_base=BASE,
        theirs_base=BASE,
    )
    assert not merge.clean
    assert merge.conflicts == ("description",)


def test_same_change_on_both_sides_is_no_conflict():
    merge = three_way(
        ours=changed(description="same"),
        theirs=changed(description="same"),
        ours_base=BASE,
        theirs_base=BASE,
    )
    assert merge.clean
    assert merge.body["description"] == "same"


def test_owned_child_element_is_merged_apart_from_its_siblings():
    merge = three_way(
        ours=changed(executionPeriod={"start": "2024-02-01", "end": "2024-03-01"}),
        theirs=changed(executionPeriod={"start": "2024-01-01", "end": "2024-01-20"}),
        ours_base=BASE,
        theirs_base=BASE,
    )
    assert merge.clean
    assert merge.body["executionPeriod"] == {"start": "2024-02-01", "end": "2024-01-20"}
    assert merge.server_won == ("executionPeriod.end",)


def test_without_any_base_ownership_alone_decides():
    merge = three_way(
        ours=changed(status="cancelled", description="ours"),
        theirs=changed(status="completed", description="theirs"),
        ours_base=None,
        theirs_base=None,
    )
    assert merge.body["status"] == "completed"
    assert merge.body["description"] == "ours"


def test_ownership_table_is_importable_data():
    assert "status" in performer_owned("Task")
    assert performer_owned("CarePlan") == frozenset()
    assert owner_of("Task", "description") == "case-management"
    assert owner_of("Task", "output") == "performer"


def test_values_compare_by_meaning_not_spelling():
    ours = changed(
        executionPeriod={"start": "2024-01-01T10:15:00-05:00"},
        input=[{"valueDecimal": Decimal("21000.00")}],
    )
    theirs = changed(
        executionPeriod={"start": "2024-01-01T15:15:00Z"},
        input=[{"valueDecimal": Decimal("21000")}],
    )
    merge = three_way(ours=ours, theirs=theirs, ours_base=ours, theirs_base=ours)
    assert merge.clean
    assert merge.kept_from_server == ()  # the server changed nothing: same instant, same number
    moved = changed(executionPeriod={"start": "2024-01-01T15:15:01Z"})
    assert three_way(ours=ours, theirs=moved, ours_base=ours, theirs_base=ours).kept_from_server


def test_a_path_to_restore_takes_our_value_over_the_servers():
    theirs = changed(description="reworded elsewhere", status="completed")
    merge = three_way(
        ours=BASE, theirs=theirs, ours_base=BASE, theirs_base=theirs, restore={"description"}
    )
    assert merge.body["description"] == "Call the clinic"
    assert merge.body["status"] == "completed"  # not restored: only the listed paths
    assert merge.restored == ("description",)
    same = three_way(ours=BASE, theirs=BASE, ours_base=BASE, theirs_base=BASE, restore={"status"})
    assert same.restored == ()

"""Planning a case's push: what is unchanged, what is sent with which If-Match, what travels
together when a transaction has to be split."""

from __future__ import annotations

from datetime import UTC, datetime

from adapter.sync.hashing import content_hash
from adapter.sync.ledger.records import Entry, ResourceKey
from adapter.sync.push.planner import plan_case, units


def res(kind: str, rid: str, **fields: object) -> dict[str, object]:
    return {"resourceType": kind, "id": rid, **fields}


def entry(resource: dict[str, object], version: str, digest: str | None = None) -> Entry:
    return Entry(
        server_url="s",
        resource_type=str(resource["resourceType"]),
        resource_id=str(resource["id"]),
        case_id="c",
        internal_key=None,
        version_id=version,
        content_hash=digest or content_hash(resource),
        last_synced_at=datetime(2024, 1, 1, tzinfo=UTC),
        attempts=0,
        last_error_class=None,
        last_error_at=None,
        last_run_id=1,
    )


def test_same_hash_is_unchanged_and_a_change_is_sent_with_the_known_version():
    same, old = res("Goal", "g1", x=1), res("Goal", "g2", x=1)
    new = res("Goal", "g2", x=2)
    known = {
        ResourceKey("Goal", "g1"): entry(same, "3"),
        ResourceKey("Goal", "g2"): entry(old, "5"),
    }

    plan = plan_case("c", [same, new], known)

    assert [(u.resource_id, u.version_id, u.changed) for u in plan.unchanged] == [
        ("g1", "3", False)
    ]
    [sent] = plan.send
    assert sent.if_match == "5"
    assert sent.entry()["request"] == {"method": "PUT", "url": "Goal/g2", "ifMatch": 'W/"5"'}


def test_unchanged_since_last_push_is_not_resent_when_the_server_holds_a_merge():
    ours = res("Task", "t1", status="requested")
    merged_on_server = res("Task", "t1", status="completed")
    known = {ResourceKey("Task", "t1"): entry(merged_on_server, "4")}

    plan = plan_case("c", [ours], known, {ResourceKey("Task", "t1"): ours})

    assert plan.send == []
    assert plan.unchanged[0].content_hash == content_hash(merged_on_server)


def test_a_local_change_after_a_merge_is_rebased_onto_the_server_copy():
    before = res("Task", "t1", status="requested", description="a")
    ours = res("Task", "t1", status="requested", description="b")
    merged = res("Task", "t1", status="completed", description="a")
    known = {ResourceKey("Task", "t1"): entry(merged, "4")}

    [sent] = plan_case("c", [ours], known, {ResourceKey("Task", "t1"): before}).send

    assert sent.rebase
    assert sent.base == before


def test_reference_cycles_travel_together_and_referenced_groups_come_first():
    patient = res("Patient", "p")
    episode = res(
        "EpisodeOfCare", "e", patient={"reference": "Patient/p"}, team=[{"reference": "CareTeam/t"}]
    )
    team = res("CareTeam", "t", extension=[{"valueReference": {"reference": "EpisodeOfCare/e"}}])
    goal = res("Goal", "g", subject={"reference": "Patient/p"})
    plan = plan_case("c", [patient, episode, team, goal], {})

    groups = [[p.key[1] for p in group] for group in units(plan.send)]

    assert groups.index(["p"]) < groups.index(["e", "t"])
    assert groups.index(["p"]) < groups.index(["g"])


def test_references_to_resources_already_on_the_server_do_not_bind_groups():
    patient = res("Patient", "p")
    goal = res("Goal", "g", subject={"reference": "Patient/p"})
    plan = plan_case("c", [patient, goal], {})

    groups = units(plan.send, on_server=[ResourceKey("Patient", "p")])

    assert len(groups) == 2

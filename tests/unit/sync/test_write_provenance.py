"""The push's Provenance of each write (US edition): one per write, none for a no-op."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from adapter.mappings.namespace import namespace_tag
from adapter.model.case import Case
from adapter.model.validation import parse_case
from adapter.realm import current_realm
from adapter.sync.hashing import content_hash
from adapter.sync.ledger.records import Entry
from adapter.sync.push.planner import CasePlan, plan_case
from adapter.sync.push.provenance import map_case, with_write_provenance
from adapter.sync.resources import key_of

GOLDEN = Path(__file__).parents[2] / "golden"


def _case() -> Case:
    return parse_case(json.loads((GOLDEN / "plan-revision-active.internal.json").read_text()))


def _entry(resource: dict[str, Any]) -> Entry:
    return Entry(
        "s", resource["resourceType"], resource["id"], "c", None, "1", content_hash(resource),
        datetime(2026, 1, 1, tzinfo=UTC), 0, None, None, 1,
    )  # fmt: skip


def _plan(
    case: Case, namespace: str | None = None, *, known_all: bool = False
) -> tuple[CasePlan, list[dict[str, Any]]]:
    resources, plain = map_case(case, namespace)
    known = {key_of(r): _entry(r) for r in resources} if known_all else {}
    plan = plan_case(case.id, resources, known)
    return with_write_provenance(plan, case, plain, namespace=namespace), resources


@pytest.mark.usefixtures("realm_us")
def test_a_write_sends_one_provenance_targeting_every_resource_written() -> None:
    plan, resources = _plan(_case())
    *sent, provenance = plan.send
    assert [p.key for p in sent] == [key_of(r) for r in resources]
    body = provenance.body
    assert body["resourceType"] == "Provenance"
    assert body["id"].startswith("cm-write-")
    assert sorted(t["reference"] for t in body["target"]) == sorted(
        f"{r['resourceType']}/{r['id']}" for r in resources
    )
    again, _ = _plan(_case())
    assert again.send[-1].key == provenance.key  # the same write: the same Provenance


@pytest.mark.usefixtures("realm_us")
def test_a_no_op_sends_nothing_not_even_a_provenance() -> None:
    plan, _ = _plan(_case(), known_all=True)
    assert plan.send == []


@pytest.mark.usefixtures("realm_us")
def test_under_a_namespace_the_provenance_and_its_references_are_namespaced() -> None:
    plan, resources = _plan(_case(), "ns-a")
    body = plan.send[-1].body
    assert namespace_tag("ns-a") in body["meta"]["tag"]
    sent = {f"{r['resourceType']}/{r['id']}" for r in resources}
    assert {t["reference"] for t in body["target"]} == sent
    assert body["agent"][0]["who"]["reference"] in sent
    assert body["agent"][0]["onBehalfOf"]["reference"] in sent
    assert body["id"] != _plan(_case())[0].send[-1].body["id"]


def test_the_base_edition_writes_no_provenance_of_its_own() -> None:
    assert current_realm() == "base"
    plan, resources = _plan(_case())
    assert len(plan.send) == len(resources)

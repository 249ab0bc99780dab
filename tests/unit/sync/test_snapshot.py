"""The merge base after a partial push: what landed is new, what did not stays as it was."""

from __future__ import annotations

import copy
from typing import Any

from adapter.mappings.bundle import case_to_resources
from adapter.model.validation import parse_case
from adapter.sync.ledger.records import ResourceKey
from adapter.sync.push.snapshot import landed_snapshot
from adapter.sync.resources import key_of
from tests.support.casefiles import example_data


def _key(case: dict[str, Any], record_id: str) -> ResourceKey:
    return next(
        key_of(r)
        for r in case_to_resources(parse_case(case))
        if any(i["value"] == f"{case['id']}/{record_id}" for i in r.get("identifier", []))
    )


def _record(case: dict[str, Any], record_id: str) -> dict[str, Any]:
    return next(r for r in [*case["tasks"], *case["plan"]["goals"]] if r["id"] == record_id)


def _edited() -> tuple[dict[str, Any], dict[str, Any]]:
    before = example_data("CM-2001")
    after = copy.deepcopy(before)
    _record(after, "T-2")["description"] = "landed wording"
    _record(after, "G-1")["description"] = "refused wording"
    return before, after


def test_landed_resources_take_the_new_version_and_failed_ones_keep_the_old() -> None:
    before, after = _edited()

    base = landed_snapshot(after, before, {_key(after, "G-1")}, namespace=None)

    assert base is not None
    assert _record(base, "T-2")["description"] == "landed wording"
    assert _record(base, "G-1")["description"] == _record(before, "G-1")["description"]


def test_nothing_failed_gives_the_document_as_pushed() -> None:
    before, after = _edited()

    base = landed_snapshot(after, before, set(), namespace=None)

    assert base is not None
    assert parse_case(base) == parse_case(after)


def test_a_blend_that_is_no_valid_case_keeps_the_previous_snapshot() -> None:
    # Never pushed before: leaving out the refused Goal leaves its CarePlan pointing nowhere.
    _, after = _edited()

    assert landed_snapshot(after, None, {_key(after, "G-1")}, namespace=None) is None

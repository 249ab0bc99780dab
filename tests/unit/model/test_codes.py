"""The local code lists: lowercase-kebab values, and the CMSA lists exactly as specified."""

from __future__ import annotations

import inspect
import re
from enum import StrEnum

from adapter.model import codes

ENUMS = [
    obj
    for obj in vars(codes).values()
    if inspect.isclass(obj) and issubclass(obj, StrEnum) and obj is not StrEnum
]


def test_every_code_is_lowercase_kebab():
    for enum in ENUMS:
        for member in enum:
            assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", member.value), (enum, member)


def test_all_enums_are_exported():
    assert sorted(e.__name__ for e in ENUMS) == codes.__all__


def test_closure_reasons_are_the_seven_cmsa_reasons_plus_transfer():
    assert [r.value for r in codes.ClosureReason] == [
        "goals-achieved",
        "self-managing",
        "conflict-of-interest",
        "coverage-change",
        "deceased",
        "client-declined",
        "unable-to-engage",
        "transferred",
    ]


def test_screening_criteria_are_the_cmsa_selection_criteria():
    assert {s.value for s in codes.ScreeningCriterion} == {
        "high-ed-utilization",
        "high-outpatient-utilization",
        "avoidable-admissions",
        "complex-health-needs",
        "multiple-chronic-conditions",
        "access-barriers",
        "dd-with-chronic-illness",
        "mental-illness-history",
        "substance-use-history",
        "suicide-risk",
        "crisis-history",
        "impaired-functional-status",
        "cognitive-deficit",
    }


def test_outcome_domains_are_the_seven_of_standard_o():
    assert {d.value for d in codes.OutcomeDomain} == {
        "clinical",
        "financial",
        "quality-of-life",
        "satisfaction",
        "physical-function",
        "psychosocial",
        "engagement",
    }

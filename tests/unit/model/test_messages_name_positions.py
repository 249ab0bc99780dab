"""Validation messages name the position and the rule, never the value (it may be an MRN or a
birth date)."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapter.errors import InputError
from adapter.model.validation import parse_case
from tests.support.casefiles import example_data


def test_a_repeated_identifier_is_named_by_position_only():
    data = example_data("CM-2001")
    first = data["client"]["identifiers"][0]
    data["client"]["identifiers"].append(dict(first))
    repeated = len(data["client"]["identifiers"]) - 1
    with pytest.raises(InputError) as caught:
        parse_case(data)
    message = str(caught.value)
    assert f"client.identifiers[{repeated}].value" in message
    assert "repeats identifiers[0].value" in message
    assert first["value"] not in message


def test_dates_out_of_order_are_named_without_the_dates():
    data = example_data("CM-2001")
    data["status"] = "closed"
    data["closure_reason"] = "goals-achieved"
    data["opened_on"] = "2024-05-02"
    data["closed_on"] = "2024-05-01"
    with pytest.raises(InputError) as caught:
        parse_case(data)
    message = str(caught.value)
    assert "closed_on" in message
    assert "2024-05-0" not in message


_VALUES = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", min_size=8, max_size=16)


@settings(max_examples=60, deadline=None)
@given(mrn=_VALUES, family=_VALUES, ref=_VALUES.map(lambda v: "id-" + v))
def test_no_value_from_the_record_reaches_a_validation_message(mrn: str, family: str, ref: str):
    data = example_data("CM-2001")
    data["client"]["name"]["family"] = family
    data["client"]["identifiers"] = [{"kind": "mrn", "value": mrn}] * 2  # repeated
    broken = []
    for mutate in (
        lambda d: d,
        lambda d: (
            d["client"].update(identifiers=[{"kind": "mrn", "value": mrn}])
            or d["tasks"][0].update(owner_id=ref)
        ),
        lambda d: d["client"].update(identifiers=[{"kind": "mrn", "value": mrn + "x" * 300}]),
        lambda d: d["client"].update(birth_date=mrn),
    ):
        case = copy.deepcopy(data)
        mutate(case)
        with pytest.raises(InputError) as caught:
            parse_case(case)
        broken.append(str(caught.value))
    for message in broken:
        for value in (mrn, family, ref):
            assert value not in message, message

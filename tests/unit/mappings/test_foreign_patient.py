"""A foreign Patient without a name or a full birth date: documented defaults, warnings."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from adapter.errors import MappingError
from adapter.mappings.foreign import read_foreign_case
from adapter.mappings.foreign_patient import UNKNOWN_BIRTH_DATE, UNKNOWN_NAME
from tests.support.foreign import generated_episodes

BASE = generated_episodes(1, "pd")


def _case_with(patient: dict[str, Any]) -> tuple[Any, list[str]]:
    resources = copy.deepcopy(BASE)
    resources[0] = {"resourceType": "Patient", "id": "gpd-0-p", "gender": "female", **patient}
    foreign = read_foreign_case(resources)
    return foreign.case.client, [w for w in foreign.warnings if w.startswith("Patient/")]


def test_a_patient_without_name_and_birth_date_is_imported_with_the_defaults():
    client, warnings = _case_with({})

    assert (client.name.family, client.name.given) == (UNKNOWN_NAME, (UNKNOWN_NAME,))
    assert client.birth_date == date.fromisoformat(UNKNOWN_BIRTH_DATE)
    assert warnings == [
        "Patient/gpd-0-p: name missing; family and given name recorded as 'unknown'",
        "Patient/gpd-0-p: birthDate missing; recorded as 1900-01-01",
    ]


@pytest.mark.parametrize(
    ("name", "family", "given", "warning"),
    [
        ([{"family": "Hale"}], "Hale", ("unknown",), "name.given missing; recorded as 'unknown'"),
        ([{"given": ["Ada"]}], "unknown", ("Ada",), "name.family missing; recorded as 'unknown'"),
        ([{"text": "Ada Mae Hale"}], "Hale", ("Ada", "Mae"), "name has only text; its last word"),
        ([{"use": "official", "family": "Hale", "given": ["Ada"]}], "Hale", ("Ada",), None),
    ],
)
def test_a_partial_name_is_completed_and_warned_about(
    name: list[dict[str, Any]], family: str, given: tuple[str, ...], warning: str | None
):
    client, warnings = _case_with({"name": name, "birthDate": "1950-05-17"})

    assert (client.name.family, client.name.given) == (family, given)
    if warning is None:
        assert warnings == []
    else:
        assert len(warnings) == 1
        assert warnings[0].startswith(f"Patient/gpd-0-p: {warning}")
        assert "Hale" not in warnings[0]
        assert "Ada" not in warnings[0]


@pytest.mark.parametrize(("born", "read"), [("1974", "1974-01-01"), ("1974-12", "1974-12-01")])
def test_a_birth_date_of_only_a_year_or_month_takes_its_first_day(born: str, read: str):
    client, warnings = _case_with(
        {"name": [{"family": "Hale", "given": ["Ada"]}], "birthDate": born}
    )

    assert client.birth_date == date.fromisoformat(read)
    assert warnings == [
        "Patient/gpd-0-p: birthDate gives no day; the first day of its month or year is recorded"
    ]


def test_a_birth_date_that_is_no_date_still_refuses_the_case():
    with pytest.raises(MappingError, match=r"Patient\.birthDate"):
        _case_with({"name": [{"family": "Hale", "given": ["Ada"]}], "birthDate": "soon"})

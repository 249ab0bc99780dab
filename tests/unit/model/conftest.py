"""Fixtures of the model tests; the builder lives in tests/support/cases.py."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.cases import valid_case_data


@pytest.fixture
def case_data() -> dict[str, Any]:
    """A fresh valid case in input form."""
    return valid_case_data()

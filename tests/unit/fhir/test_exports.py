"""Every module of the FHIR layer declares a sorted ``__all__`` of names it really has."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import adapter.fhir

MODULES = [
    "adapter.fhir",
    *(f"adapter.fhir.{m.name}" for m in pkgutil.iter_modules(adapter.fhir.__path__)),
]


def _isort_style(name: str) -> tuple[int, str]:
    # The order ruff's RUF022 keeps: CONSTANTS, then Classes, then functions.
    kind = 0 if name.isupper() else 1 if name[:1].isupper() else 2
    return kind, name


@pytest.mark.parametrize("name", MODULES)
def test_all_is_sorted_and_resolves(name):
    module = importlib.import_module(name)
    exported = list(module.__all__)
    assert exported == sorted(exported, key=_isort_style)
    assert all(hasattr(module, item) for item in exported)

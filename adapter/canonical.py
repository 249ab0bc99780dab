"""Canonical URLs of everything the adapter defines, set in one place.

The profiles in ``profiles/`` (StructureDefinitions, CodeSystems, ValueSets) and the mappings
both take their URLs from here, and a test checks that the two agree.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "CANONICAL_BASE",
    "code_system",
    "extension",
    "identifier_system",
    "profile",
    "value_set",
]

CANONICAL_BASE: Final = "https://fhir.cm-adapter.dev"


def extension(ext_id: str) -> str:
    """URL of one of the adapter's extensions, e.g. ``case-closure-reason``."""
    return f"{CANONICAL_BASE}/StructureDefinition/{ext_id}"


def profile(profile_id: str) -> str:
    """URL of one of the adapter's profiles, e.g. ``cm-episode-of-care``."""
    return f"{CANONICAL_BASE}/StructureDefinition/{profile_id}"


def code_system(cs_id: str) -> str:
    """URL of one of the adapter's local CodeSystems, e.g. ``case-closure-reason``."""
    return f"{CANONICAL_BASE}/CodeSystem/{cs_id}"


def value_set(vs_id: str) -> str:
    """URL of one of the adapter's ValueSets."""
    return f"{CANONICAL_BASE}/ValueSet/{vs_id}"


def identifier_system(kind: str) -> str:
    """Business identifier system for one kind of record the adapter writes (e.g. ``case``)."""
    return f"{CANONICAL_BASE}/identifier/{kind}"

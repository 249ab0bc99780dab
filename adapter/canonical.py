"""Canonical URLs of everything the adapter defines, set in one place.

The profiles in ``profiles/`` (StructureDefinitions, CodeSystems, ValueSets) and the mappings
both take their URLs from here, and a test checks that the two agree.

A *namespace* (``ADAPTER_NAMESPACE``, e.g. ``sbx-3f9c0a1b2d``) keeps one installation's writes
apart from everyone else's on a shared server: it becomes a path segment of every business
identifier system and the code of a ``meta.tag`` in :data:`NAMESPACE_TAG_SYSTEM`.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = [
    "CANONICAL_BASE",
    "DEFAULT_IDENTIFIER_BASE",
    "IDENTIFIER_BASE",
    "NAMESPACE_TAG_SYSTEM",
    "check_namespace",
    "code_system",
    "extension",
    "identifier_base",
    "identifier_system",
    "measure",
    "profile",
    "set_identifier_base",
    "value_set",
]

CANONICAL_BASE: Final = "https://fhir.cm-adapter.dev"

#: System of the ``meta.tag`` whose code is the namespace a resource was written under.
NAMESPACE_TAG_SYSTEM: Final = f"{CANONICAL_BASE}/namespace"

# Lowercase letters, digits and hyphens: safe in a URL path, a tag code and a search token
# (no ``|``, ``,`` or ``$``, which FHIR search gives a meaning).
_NAMESPACE: Final = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")


def extension(ext_id: str) -> str:
    """URL of one of the adapter's extensions, e.g. ``case-closure-reason``."""
    return f"{CANONICAL_BASE}/StructureDefinition/{ext_id}"


def profile(profile_id: str) -> str:
    """URL of one of the adapter's profiles, e.g. ``cm-episode-of-care``."""
    return f"{CANONICAL_BASE}/StructureDefinition/{profile_id}"


def code_system(cs_id: str) -> str:
    """URL of one of the adapter's local CodeSystems, e.g. ``case-closure-reason``."""
    return f"{CANONICAL_BASE}/CodeSystem/{cs_id}"


def measure(measure_id: str) -> str:
    """URL of one of the adapter's Measures, e.g. ``cm-program-evaluation``."""
    return f"{CANONICAL_BASE}/Measure/{measure_id}"


def value_set(vs_id: str) -> str:
    """URL of one of the adapter's ValueSets."""
    return f"{CANONICAL_BASE}/ValueSet/{vs_id}"


def check_namespace(namespace: str) -> str:
    """``namespace`` itself if it is a valid namespace; ValueError otherwise."""
    if not _NAMESPACE.match(namespace):
        raise ValueError(
            "a namespace is 2-40 lowercase letters, digits and hyphens, starting with a letter "
            f"or digit; got {namespace!r}"
        )
    return namespace


DEFAULT_IDENTIFIER_BASE: Final = f"{CANONICAL_BASE}/identifier"
IDENTIFIER_BASE: Final = re.compile(
    r"^(https?://[^\s/?#]+(/[^\s?#]*)?|urn:[a-z0-9][a-z0-9-]*:\S+)$"
)
_identifier_base = DEFAULT_IDENTIFIER_BASE


def identifier_base() -> str:
    """The base of the adapter's business identifier systems in this process."""
    return _identifier_base


def set_identifier_base(base: str | None) -> None:
    """Use ``base`` (``ADAPTER_IDENTIFIER_BASE``, e.g. the hospital's own
    ``https://ehr.example.org/identifiers/case-management``) instead of the adapter's
    ``https://fhir.cm-adapter.dev/identifier`` for every business identifier system written
    from now on; None restores the default. Set once at start (by
    :func:`adapter.settings.load_settings`): readers recognise the adapter's identifiers by
    their ``type`` whatever the base, so data written under another base is still read."""
    global _identifier_base
    if base is None:
        _identifier_base = DEFAULT_IDENTIFIER_BASE
        return
    base = base.rstrip("/")
    if not IDENTIFIER_BASE.match(base):
        raise ValueError(f"an identifier base is an absolute http(s) URL or a urn; got {base!r}")
    _identifier_base = base


def identifier_system(kind: str, *, namespace: str | None = None) -> str:
    """Business identifier system for one kind of record the adapter writes (e.g. ``case``).

    With a ``namespace`` the system gains one path segment,
    ``<base>/identifier/<namespace>/<kind>``; kinds never contain ``/``, so the two forms cannot
    be confused.
    """
    if namespace is None:
        return f"{_identifier_base}/{kind}"
    return f"{_identifier_base}/{check_namespace(namespace)}/{kind}"

"""The realm edition the mappings write: ``base`` (plain R4 plus the adapter's own profiles) or
``us`` (the same resources shaped for, and claiming, US Core 6.1.0 as well).

Like the identifier base (:mod:`adapter.canonical`), the realm is set once per process from
``ADAPTER_REALM`` by :func:`adapter.settings.load_settings`; the mapping door
(:func:`adapter.mappings.bundle.case_to_resources`) also takes it as a parameter, and the US
pass itself (:mod:`adapter.mappings.us_core`) is a pure function of the resources and the case.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

__all__ = [
    "REALMS",
    "US_CORE_BASE",
    "US_CORE_PACKAGE",
    "Realm",
    "current_organization",
    "current_realm",
    "set_organization",
    "set_realm",
    "us_core_profile",
]

Realm = Literal["base", "us"]
REALMS: Final[tuple[str, ...]] = get_args(Realm)

#: Canonical base of US Core; its package id and the version the US edition is checked against.
US_CORE_BASE: Final = "http://hl7.org/fhir/us/core"
US_CORE_PACKAGE: Final = "hl7.fhir.us.core#6.1.0"

_realm: Realm = "base"
_organization: str | None = None


def current_realm() -> Realm:
    """The realm edition the mappings write in this process (``base`` unless configured)."""
    return _realm


def set_realm(realm: str | None) -> None:
    """Write the ``realm`` edition from now on (None: ``base``); set once at start."""
    global _realm
    if realm is None:
        _realm = "base"
        return
    if realm not in REALMS:
        raise ValueError(f"a realm is one of {', '.join(REALMS)}; got {realm!r}")
    _realm = "us" if realm == "us" else "base"


def us_core_profile(profile_id: str) -> str:
    """URL of a US Core profile, e.g. ``us-core-careplan``."""
    return f"{US_CORE_BASE}/StructureDefinition/{profile_id}"


def current_organization() -> str | None:
    """The case-management organization this installation acts for (``Organization/<id>`` on
    the server, ``ADAPTER_ORGANIZATION``), if configured: US edition Provenance names it."""
    return _organization


def set_organization(organization: str | None) -> None:
    """Act for ``organization`` from now on (None: none configured); set once at start."""
    global _organization
    _organization = organization

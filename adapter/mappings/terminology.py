"""Code and status translation tables, kept as data in ``tables/*.json``.

Each table is shaped like a FHIR ConceptMap group: one ``element`` per internal value (the
model's enum value) with its ``target`` (FHIR code and display). The target system is either a
FHIR URI (``system``) or one of the adapter's local CodeSystems (``local_system``, an id turned
into a URL by :func:`adapter.canonical.code_system`).

Where FHIR has fewer states than the model, several internal values share a target code. Such a
table names the ``carrier``: the place in the resource that holds the exact internal value
(a local coding or an extension), so the round trip stays lossless. An element's target may name
its own ``system`` when one concept spans two code systems. For a shared target code
exactly one element is marked ``"inverse_default": true``; it is what a resource written by
another system (without the carrier) maps back to.

``import_only`` lists FHIR codes the adapter never writes but accepts from other systems, with
the internal value they import as (e.g. Task ``ready`` -> ``accepted``). Any other code raises a
:class:`~adapter.errors.MappingError` naming the resource, the element and the code.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from adapter.canonical import code_system
from adapter.errors import MappingError

__all__ = ["ConceptTable", "Target", "table", "table_names"]


@dataclass(frozen=True)
class Target:
    """One FHIR code an internal value translates to."""

    system: str
    code: str
    display: str | None = None

    def coding(self) -> dict[str, str]:
        """The target as a FHIR Coding."""
        out = {"system": self.system, "code": self.code}
        if self.display:
            out["display"] = self.display
        return out


@dataclass(frozen=True)
class ConceptTable:
    """Internal value <-> FHIR code, for one concept."""

    name: str
    source: str
    system: str
    carrier: str | None
    forward: Mapping[str, Target]
    defaults: Mapping[str, str] = field(default_factory=dict)
    imports: Mapping[str, str] = field(default_factory=dict)

    def to_fhir(self, internal: str) -> Target:
        """The FHIR code of an internal value."""
        try:
            return self.forward[internal]
        except KeyError:
            raise MappingError(
                f"no FHIR code for internal value {internal!r} in table {self.name}", code=internal
            ) from None

    def candidates(self, code: str) -> list[str]:
        """The internal values that translate to ``code``, in table order."""
        return [value for value, target in self.forward.items() if target.code == code]

    def from_fhir(self, code: str, *, resource: str, element: str, exact: str | None = None) -> str:
        """The internal value of a FHIR code.

        ``exact`` is the internal value read from the table's carrier, when the resource has one;
        it wins if it is consistent with ``code``. Otherwise the inverse default applies.
        """
        found = self.candidates(code)
        if not found and code in self.imports:
            return self.imports[code]
        if not found:
            raise MappingError(
                f"code {code!r} not in table {self.name}",
                resource=resource,
                element=element,
                code=code,
            )
        if exact is not None and exact in found:
            return exact
        if len(found) == 1:
            return found[0]
        return self.defaults[code]


def _target(raw: Mapping[str, Any], system: str) -> Target:
    return Target(
        system=raw.get("system", system), code=str(raw["code"]), display=raw.get("display")
    )


def _build(name: str, raw: Mapping[str, Any]) -> ConceptTable:
    system = raw["system"] if "system" in raw else code_system(raw["local_system"])
    forward = {str(el["code"]): _target(el["target"], system) for el in raw["element"]}
    defaults = {
        str(el["target"]["code"]): str(el["code"])
        for el in raw["element"]
        if el.get("inverse_default")
    }
    imports = {str(el["target_code"]): str(el["code"]) for el in raw.get("import_only", [])}
    return ConceptTable(
        name=name,
        source=str(raw["source"]),
        system=system,
        carrier=raw.get("carrier"),
        forward=forward,
        defaults=defaults,
        imports=imports,
    )


@cache
def table(name: str) -> ConceptTable:
    """The table ``tables/<name>.json``."""
    text = resources.files(__package__).joinpath("tables", f"{name}.json").read_text("utf-8")
    return _build(name, json.loads(text))


def table_names() -> list[str]:
    """Names of every table shipped with the adapter."""
    folder = resources.files(__package__).joinpath("tables")
    names = (item.name for item in folder.iterdir())
    return sorted(name.removesuffix(".json") for name in names if name.endswith(".json"))

"""The adapter's FHIR package (``profiles/``): find it, read it, list its artifacts.

The package is a folder laid out like the ``package/`` directory of a FHIR NPM package:
``package.json`` (manifest), ``.index.json`` and one JSON file per CodeSystem, ValueSet and
StructureDefinition. It lives at the repository root, next to the ``adapter`` package, so a
source checkout and an editable install (``pip install -e .``) both find it; a non-editable
install must be told where it is (``load_package(path)``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapter.errors import ConfigError

__all__ = ["FHIRPackage", "load_package", "package_dir"]

# CodeSystems first so that a server storing them can validate codes as soon as the
# ValueSets and profiles that bind to them arrive; extensions before the profiles using them.
_UPLOAD_RANK = {"CodeSystem": 0, "ValueSet": 1, "StructureDefinition": 2}


@dataclass(frozen=True, slots=True)
class FHIRPackage:
    """One loaded package: its folder, manifest and conformance resources in upload order."""

    path: Path
    manifest: Mapping[str, Any]
    resources: tuple[Mapping[str, Any], ...]

    @property
    def name(self) -> str:
        return str(self.manifest["name"])

    @property
    def version(self) -> str:
        return str(self.manifest["version"])

    def by_url(self, url: str) -> Mapping[str, Any]:
        """The artifact with this canonical URL; ``KeyError`` if the package has none."""
        for resource in self.resources:
            if resource.get("url") == url:
                return resource
        raise KeyError(url)

    def of_type(self, resource_type: str) -> tuple[Mapping[str, Any], ...]:
        return tuple(r for r in self.resources if r["resourceType"] == resource_type)


def package_dir() -> Path:
    """Folder of the FHIR package: ``profiles/`` beside the ``adapter`` package (a source
    checkout or editable install), else where a wheel installs it (``<prefix>/share/...``)."""
    beside = Path(__file__).resolve().parent.parent / "profiles"
    installed = Path(sys.prefix) / "share" / "cm-fhir-adapter" / "profiles"
    return beside if beside.is_dir() or not installed.is_dir() else installed


def load_package(path: Path | None = None) -> FHIRPackage:
    """Read the package at ``path`` (default: :func:`package_dir`).

    Raises ``ConfigError`` when the folder, its manifest or one of its files is missing or not
    valid JSON, so a bad install is reported at start-up rather than as a server error later.
    """
    folder = path if path is not None else package_dir()
    manifest = _read_json(folder / "package.json")
    resources = [
        _read_json(file)
        for file in sorted(folder.glob("*.json"))
        if file.name not in ("package.json", ".index.json")
    ]
    resources.sort(key=_upload_key)
    return FHIRPackage(path=folder, manifest=manifest, resources=tuple(resources))


def _upload_key(resource: Mapping[str, Any]) -> tuple[int, bool, str]:
    rank = _UPLOAD_RANK.get(str(resource.get("resourceType")), len(_UPLOAD_RANK))
    is_profile = resource.get("kind") == "resource"
    return rank, is_profile, str(resource.get("id"))


def _read_json(file: Path) -> dict[str, Any]:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"FHIR package file missing: {file}") from exc
    except (OSError, ValueError) as exc:
        raise ConfigError(f"FHIR package file unreadable: {file}: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"FHIR package file is not a JSON object: {file}")
    return data

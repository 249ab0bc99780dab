"""Compare element definitions of the R4 (4.0.1) and R4B (4.3.0) Python models.

fhir.resources 6.1.0 is generated from FHIR 4.0.1; fhir.resources 8.x ships R4B (4.3.0) as
``fhir.resources.R4B``. This script reads both generated sources (without importing the old
pydantic-v1 package) and prints every element whose name, type, cardinality, required flag,
choice group or allowed reference targets differ. See docs/r4-vs-r4b.md.

Usage::

    pip download fhir.resources==6.1.0 --no-deps -d /tmp/fr61
    unzip -q /tmp/fr61/fhir.resources-6.1.0-py2.py3-none-any.whl -d /tmp/fr61/pkg
    .venv/bin/python scripts/compare_r4_r4b.py /tmp/fr61/pkg/fhir/resources episodeofcare careplan
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path
from typing import Any

import fhir.resources

R4B = Path(fhir.resources.__file__).parent / "R4B"
FLAGS = (
    "element_required",
    "enum_values",
    "enum_reference_types",
    "one_of_many",
    "one_of_many_required",
)


def _type(annotation: ast.expr) -> str:
    text = ast.unparse(annotation).replace(" | None", "").replace("typing.", "")
    return re.sub(r"fhirtypes\.(\w+?)(Type)?\b", r"\1", text)


def _is_ellipsis(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is Ellipsis


def _flags(call: ast.Call) -> dict[str, Any]:
    flags: dict[str, Any] = {}
    for kw in call.keywords:
        if kw.arg == "default" and _is_ellipsis(kw.value):
            flags["element_required"] = True
        elif kw.arg == "json_schema_extra" and isinstance(kw.value, ast.Dict):
            for key, value in zip(kw.value.keys, kw.value.values, strict=True):
                if key is not None:
                    flags[ast.literal_eval(key)] = ast.literal_eval(value)
        elif kw.arg in FLAGS:
            flags[kw.arg] = ast.literal_eval(kw.value)
    if call.args and _is_ellipsis(call.args[0]):
        flags["element_required"] = True
    return {k: sorted(v) if isinstance(v, list) else v for k, v in flags.items() if k in FLAGS}


def elements(path: Path) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for cls in ast.parse(path.read_text()).body:
        if not isinstance(cls, ast.ClassDef):
            continue
        for node in cls.body:
            if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
                continue
            if node.target.id.endswith("__ext") or not isinstance(node.value, ast.Call):
                continue
            found[f"{cls.name}.{node.target.id}"] = {
                "type": _type(node.annotation),
                **_flags(node.value),
            }
    return found


def main(r4_dir: str, *modules: str) -> int:
    differences = 0
    for module in modules:
        old, new = elements(Path(r4_dir) / f"{module}.py"), elements(R4B / f"{module}.py")
        changed = [k for k in sorted(old.keys() | new.keys()) if old.get(k) != new.get(k)]
        print(f"{module}: {len(old)} elements, {len(changed)} differences")
        for key in changed:
            print(f"  {key}: R4={old.get(key)} R4B={new.get(key)}")
        differences += len(changed)
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))

"""The lower layers load without the upper ones (lint-imports checks the import graph itself)."""

from __future__ import annotations

import subprocess
import sys


def loaded_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return set(out.split())


def test_the_fhir_client_loads_neither_the_ledger_nor_sqlalchemy() -> None:
    loaded = loaded_after("import adapter.fhir, adapter.fhir.client, adapter.settings")
    assert "sqlalchemy" not in loaded
    assert not {name for name in loaded if name.startswith("adapter.sync")}


def test_the_mappings_load_without_the_sync_layer() -> None:
    loaded = loaded_after("import adapter.mappings.bundle")
    assert not {name for name in loaded if name.startswith(("adapter.sync", "adapter.fhir"))}

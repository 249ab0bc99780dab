"""The JSON Schema of the input format (one case), for integrators."""

from __future__ import annotations

import json
from typing import Any

from adapter.model.case import Case

__all__ = ["case_json_schema", "case_json_schema_text"]

_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def case_json_schema() -> dict[str, Any]:
    """The JSON Schema a case must satisfy (field rules; cross-field rules are in the docs)."""
    schema = Case.model_json_schema(mode="validation")
    return {"$schema": _DIALECT, **schema}


def case_json_schema_text() -> str:
    """The schema as stable, pretty-printed JSON text ending in a newline."""
    return json.dumps(case_json_schema(), indent=2, ensure_ascii=False) + "\n"

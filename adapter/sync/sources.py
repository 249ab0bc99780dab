"""Reading cases to push from JSON files: one case per file, a list of cases, or a directory.

Nothing is validated here (push does that, dead-lettering what is invalid); an unreadable file
becomes an input with a ``problem`` so that it, too, lands in the dead-letter list.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from adapter.sync.push import CaseInput

__all__ = ["case_files", "iter_inputs", "read_inputs", "read_source"]

_ID = re.compile(r"[A-Za-z0-9.-]{1,64}")


def case_files(path: Path) -> list[Path]:
    """The file, or the ``*.json`` files of a directory sorted by name."""
    return sorted(path.glob("*.json")) if path.is_dir() else [path]


def iter_inputs(path: Path) -> Iterator[CaseInput]:
    """The cases in a file or a directory, read one file at a time as they are asked for (a
    push of a large directory never holds more than the files in flight)."""
    for file in case_files(path):
        yield from read_source(file)


def read_inputs(path: Path) -> list[CaseInput]:
    """The cases in a file or in the ``*.json`` files of a directory (sorted by name)."""
    return list(iter_inputs(path))


def read_source(file: Path) -> list[CaseInput]:
    """The cases in one file: an object is one case, an array a batch."""
    source = str(file)
    try:
        # Fractions as Decimal: 21000.00 keeps its two places (docs/input-format.md).
        data: Any = json.loads(file.read_text(encoding="utf-8"), parse_float=Decimal)
    except OSError as exc:
        return [CaseInput(file.name, None, source, f"cannot read the file ({exc.strerror})")]
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return [CaseInput(file.name, None, source, f"not JSON ({exc})")]
    items = data if isinstance(data, list) else [data]
    return [
        CaseInput(_case_id(item, file, position, len(items)), item, source)
        for position, item in enumerate(items)
    ]


def _case_id(item: object, file: Path, position: int, count: int) -> str:
    raw = item.get("id") if isinstance(item, dict) else None
    if isinstance(raw, str) and _ID.fullmatch(raw.strip()):
        return raw.strip()
    # No usable id: the dead letter is named after where the record is.
    return file.name if count == 1 else f"{file.name}#{position}"

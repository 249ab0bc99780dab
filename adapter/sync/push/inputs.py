"""Reading cases to push from JSON files: one case per file, a list of cases, or a directory.

Nothing is validated here (push does that, dead-lettering what is invalid); an unreadable file
becomes an input with a ``problem`` so that it, too, lands in the dead-letter list.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from adapter.errors import InputError
from adapter.jsonfile import STDIN, read_json, read_json_stdin
from adapter.sync.push.run import CaseInput

__all__ = ["STDIN_SOURCE", "case_files", "iter_inputs", "read_inputs", "read_source"]

#: Where cases read from standard input (``-``) are said to come from.
STDIN_SOURCE = "<stdin>"

_ID = re.compile(r"[A-Za-z0-9.-]{1,64}")


def case_files(path: Path) -> list[Path]:
    """The file, or the ``*.json`` files of a directory sorted by name (``-``: stdin)."""
    return sorted(path.glob("*.json")) if path != STDIN and path.is_dir() else [path]


def iter_inputs(path: Path) -> Iterator[CaseInput]:
    """The cases in a file or a directory, read one file at a time as they are asked for (a
    push of a large directory never holds more than the files in flight)."""
    for file in case_files(path):
        yield from read_source(file)


def read_inputs(path: Path) -> list[CaseInput]:
    """The cases in a file or in the ``*.json`` files of a directory (sorted by name)."""
    return list(iter_inputs(path))


def read_source(file: Path) -> list[CaseInput]:
    """The cases in one file: an object is one case, an array a batch. A file that cannot be
    read as JSON (not a regular file, not JSON, nested too deeply) is one input with a problem.
    """
    # Absolute: `adapter dlq retry` re-reads the file from whatever directory it runs in.
    source = STDIN_SOURCE if file == STDIN else str(file.absolute())
    try:
        data: Any = read_json_stdin() if file == STDIN else read_json(file)
    except InputError as exc:
        return [CaseInput(file.name, None, source, exc.reason)]
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

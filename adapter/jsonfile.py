"""Reading an untrusted JSON file (a case, a list of cases, a Bundle) without letting it stop
the program: regular files only, and nesting within a fixed depth.

A FIFO or device named ``x.json`` would block the reader forever, so the file is opened
without waiting and anything but a regular file is refused. JSON nested thousands deep
exhausts the parser's stack (a RecursionError and a long traceback) or any recursive walk after
it, so nesting is capped far above what any case or FHIR resource needs. Each problem is one
:class:`~adapter.errors.InputError` naming the file.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from adapter.errors import InputError

__all__ = ["MAX_DEPTH", "STDIN", "nesting_depth", "parse_json", "read_json", "read_json_stdin"]

MAX_DEPTH = 100
"""Deepest nesting of objects and arrays accepted (a case needs about 8, a FHIR resource 20)."""


def read_json(path: Path, *, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON value in ``path``; InputError (record ``file <name>``, field ``(file)``) when it
    is not a readable regular file, not UTF-8 JSON, or nested deeper than ``max_depth``.
    Numbers with a fraction or an exponent are read as exact Decimals."""
    return parse_json(_read_regular(path), path, max_depth=max_depth)


STDIN: Final = Path("-")
"""The path that means standard input (``adapter push -``)."""


def read_json_stdin(*, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON value on standard input, checked like a file's (the record is ``file -``)."""
    return parse_json(sys.stdin.buffer.read(), STDIN, max_depth=max_depth)


def parse_json(content: bytes, path: Path, *, max_depth: int = MAX_DEPTH) -> Any:
    """``content`` (read from ``path``) as JSON, with the checks of :func:`read_json`."""
    try:
        # Fractions as Decimal: 21000.00 keeps its two places (docs/input-format.md).
        value = json.loads(content.decode("utf-8"), parse_float=Decimal)
    except RecursionError:
        raise _refused(path, f"nested deeper than {max_depth} levels") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _refused(path, f"not JSON ({exc})") from None
    if nesting_depth(value, stop_after=max_depth) > max_depth:
        raise _refused(path, f"nested deeper than {max_depth} levels")
    return value


def nesting_depth(value: Any, *, stop_after: int | None = None) -> int:
    """How deeply objects and arrays nest in ``value`` (a scalar is 0), walked without
    recursion; counting stops once it passes ``stop_after``."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        node, level = pending.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, level)
        if stop_after is not None and deepest > stop_after:
            return deepest
        pending.extend((child, level + 1) for child in children)
    return deepest


def _read_regular(path: Path) -> bytes:
    try:
        # O_NONBLOCK: a FIFO opens at once instead of waiting for a writer that never comes.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise _refused(path, f"cannot read the file ({exc.strerror})") from None
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise _refused(path, "not a regular file (a FIFO, device or directory)")
    with os.fdopen(descriptor, "rb") as handle:
        try:
            return handle.read()
        except OSError as exc:
            raise _refused(path, f"cannot read the file ({exc.strerror})") from None


def _refused(path: Path, reason: str) -> InputError:
    return InputError(record=f"file {path.name}", field="(file)", reason=reason)

"""What the numbers were measured on: software versions and the machine."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = ["environment"]

_PACKAGES = ("fhir.resources", "httpx", "httpcore", "fhirpy", "aiohttp", "pydantic", "SQLAlchemy")


def environment(server_software: dict[str, Any] | None, database: str) -> dict[str, Any]:
    return {
        "commit": _commit(),
        "python": sys.version.split()[0],
        "packages": {name: _version(name) for name in _PACKAGES},
        "server": server_software,
        "database": database,
        "machine": {
            "nproc": os.cpu_count(),
            "memory_gb": _memory_gb(),
            "cpu_model": _cpu_model(),
            "platform": platform.platform(),
        },
    }


def _commit() -> str | None:
    """The checkout's commit, ``+dirty`` when the adapter's or the harness's files differ."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "adapter", "bench"],
            cwd=root,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return None
    return f"{head}+dirty" if head and dirty else head or None


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _memory_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        return None
    return None


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return platform.processor() or None

"""Running ``adapter push`` the way people do (a subprocess or the typer app) against a private
ledger and namespace, and checking the invariant afterwards."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from adapter.cli import app
from adapter.fhir import open_client
from adapter.model.generate import generate_cases
from adapter.settings import load_settings
from adapter.sync.ledger import Ledger
from tests.reliability.invariants import Landing, compare, expected_resources, server_holdings


@dataclass(frozen=True)
class Installation:
    """One adapter installation's environment: server URL (maybe a proxy), ledger, namespace."""

    server: str
    ledger_url: str
    namespace: str

    @property
    def env(self) -> dict[str, str]:
        return {
            "ADAPTER_FHIR_BASE_URL": self.server,
            "ADAPTER_LEDGER_URL": self.ledger_url,
            "ADAPTER_NAMESPACE": self.namespace,
        }


def installation(server: str, tmp_path: Path, prefix: str) -> Installation:
    return Installation(
        server, f"sqlite:///{tmp_path / 'ledger.sqlite'}", f"{prefix}-{uuid.uuid4().hex[:10]}"
    )


def generated(count: int, *, prefix: str, seed: int = 11) -> list[dict[str, Any]]:
    return [
        case.model_dump(mode="json", exclude_none=True)
        for case in generate_cases(count, seed=seed, prefix=prefix)
    ]


def write_cases(directory: Path, cases: Iterable[dict[str, Any]]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for case in cases:
        (directory / f"{case['id']}.json").write_text(json.dumps(case))
    return directory


def push_process(
    folder: Path, where: Installation, *, concurrency: int = 2
) -> subprocess.Popen[bytes]:
    """``adapter push`` as its own process (so that it can be killed)."""
    executable = Path(sys.executable).with_name("adapter")
    command = [str(executable), "push", str(folder), "--concurrency", str(concurrency)]
    return subprocess.Popen(
        command,
        env={**os.environ, **where.env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


class CliRunnerFor:
    """The typer app run in-process with one installation's environment."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch

    def __call__(self, where: Installation, *args: str) -> tuple[int, str]:
        for name, value in where.env.items():
            self.monkeypatch.setenv(name, value)
        result = CliRunner().invoke(app, list(args))
        return result.exit_code, result.output


def landing(direct_url: str, where: Installation, cases: Iterable[dict[str, Any]]) -> Landing:
    """Compare server (read directly) and ledger with what ``cases`` map to."""
    expected = expected_resources(cases, where.namespace)

    async def held() -> dict[tuple[str, str], dict[str, Any]]:
        async with open_client(load_settings(fhir_base_url=direct_url)) as client:
            return await server_holdings(client, where.namespace, {k[0] for k in expected})

    on_server = asyncio.run(held())
    with Ledger.open(where.ledger_url) as ledger:
        return compare(expected, on_server, ledger, where.server)

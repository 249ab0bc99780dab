"""Fixtures of the reliability suite."""

from __future__ import annotations

import pytest

from tests.reliability.cli_support import CliRunnerFor


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> CliRunnerFor:
    """``cli(installation, "push", folder)``: the typer app with that installation's env."""
    return CliRunnerFor(monkeypatch)

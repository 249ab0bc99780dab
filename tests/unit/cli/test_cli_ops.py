"""The CLI's operator conveniences that need no server: shell completion, cases on stdin
(validate, map), ``--ledger`` as a plain file path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from adapter.cli import app
from adapter.settings import ledger_url_of, load_settings

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "cases"
EXAMPLE = EXAMPLES / "CM-2001-complex-care-heart-failure-mid-implementation.json"


def adapter(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    # The console script itself: completion names the program after argv[0].
    command = [str(Path(sys.executable).parent / "adapter"), *args]
    return subprocess.run(
        command, capture_output=True, text=True, check=False, env={**os.environ, **(env or {})}
    )


def test_completion_scripts_are_shown_and_commands_complete(tmp_path: Path):
    # Typer's switch for naming the shell instead of detecting it from the process tree.
    named = {"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    shown = adapter("--show-completion", "bash", env=named)
    assert shown.returncode == 0, shown.stderr
    assert "complete -o default -F _adapter_completion adapter" in shown.stdout

    words = {"_ADAPTER_COMPLETE": "complete_bash", "COMP_WORDS": "adapter pu", "COMP_CWORD": "1"}
    completed = adapter(env=words)
    assert completed.stdout.split() == ["push", "pull"]

    installed = adapter("--install-completion", env={"SHELL": "/bin/bash", "HOME": str(tmp_path)})
    assert installed.returncode == 0, installed.stderr
    assert (tmp_path / ".bash_completions" / "adapter.sh").is_file()
    assert "adapter.sh" in (tmp_path / ".bashrc").read_text()


def test_validate_and_map_read_a_case_from_stdin(tmp_path: Path):
    text = EXAMPLE.read_text()
    runner = CliRunner()
    ledger = str(tmp_path / "ledger.sqlite")

    checked = runner.invoke(app, ["validate", "-", "--ledger", ledger, "--json"], input=text)
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.stdout)["results"] == [
        {"case": "CM-2001", "valid": True, "error": None}
    ]
    mapped = runner.invoke(app, ["map", "-"], input=text)
    assert mapped.exit_code == 0
    assert json.loads(mapped.stdout)["type"] == "transaction"
    bad = runner.invoke(app, ["validate", "-", "--ledger", ledger], input="{not json")
    assert bad.exit_code == 1
    assert "-: (file): not JSON" in bad.stdout


def test_a_plain_ledger_path_is_a_sqlite_file_there(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert ledger_url_of("ledger.sqlite") == f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    assert ledger_url_of("sqlite:///x.db") == "sqlite:///x.db"
    assert ledger_url_of("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    monkeypatch.setenv("ADAPTER_LEDGER_URL", "sub/l.sqlite")
    assert load_settings().ledger_url == f"sqlite:///{tmp_path / 'sub/l.sqlite'}"

    result = CliRunner().invoke(app, ["status", "--ledger", "mine.sqlite", "--json"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "mine.sqlite").is_file()


def test_every_command_with_json_has_its_shape_documented():
    import typer.main

    documented = (EXAMPLES.parents[1] / "docs" / "cli-json.md").read_text()
    group = typer.main.get_command(app)

    def walk(command: Any, path: list[str]) -> Iterator[str]:
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, [*path, name])
        if any("--json" in p.opts for p in command.params):
            yield " ".join(path)

    with_json = set(walk(group, ["adapter"]))
    assert {"adapter push", "adapter pull", "adapter import", "adapter status",
            "adapter explain", "adapter dlq list", "adapter verify"} <= with_json  # fmt: skip
    for command in with_json:
        assert f"`{command}" in documented, command

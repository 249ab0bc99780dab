"""docs/settings.md is the one settings table: it lists every setting, and only those."""

from __future__ import annotations

import re
from pathlib import Path

from adapter.config_file import env_names
from adapter.settings import Settings

TABLE = Path(__file__).resolve().parents[2] / "docs" / "settings.md"


def documented() -> list[str]:
    return re.findall(r"^\| `(ADAPTER_[A-Z0-9_]+)` \|", TABLE.read_text(), flags=re.MULTILINE)


def test_every_setting_has_a_row() -> None:
    missing = sorted(set(env_names(Settings)) - set(documented()))
    assert not missing, f"add these to docs/settings.md: {missing}"


def test_every_row_is_a_setting_and_appears_once() -> None:
    rows = documented()
    assert len(rows) == len(set(rows))
    unknown = sorted(set(rows) - set(env_names(Settings)))
    assert not unknown, f"docs/settings.md names settings that do not exist: {unknown}"

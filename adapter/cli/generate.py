"""``adapter generate``: write deterministic synthetic cases as JSON files (for benchmarks)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from adapter.cli.app import app
from adapter.model.generate import generate_cases

_PREFIX = re.compile(r"[A-Za-z0-9.-]{1,50}")


@app.command()
def generate(
    out: Annotated[Path, typer.Option("--out", help="Directory to write <case-id>.json files to.")],
    cases: Annotated[int, typer.Option("--cases", min=1, max=1_000_000, help="How many.")] = 100,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same cases.")] = 0,
    prefix: Annotated[str, typer.Option("--prefix", help="Case id prefix.")] = "GEN",
) -> None:
    """Write synthetic, valid cases (invented people) to a directory, one JSON file per case."""
    if not _PREFIX.fullmatch(prefix):
        raise typer.BadParameter("use 1-50 of A-Z a-z 0-9 . -", param_hint="--prefix")
    out.mkdir(parents=True, exist_ok=True)
    written = 0
    for case in generate_cases(cases, seed=seed, prefix=prefix):
        text = case.model_dump_json(indent=2, exclude_none=True) + "\n"
        (out / f"{case.id}.json").write_text(text, encoding="utf-8")
        written += 1
    typer.echo(f"wrote {written} cases to {out}", err=True)

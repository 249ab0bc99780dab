"""``adapter schema``: print the JSON Schema of the case input format."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from adapter.cli.app import app
from adapter.model.schema import case_json_schema_text


@app.command()
def schema(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the schema to this file instead of stdout."),
    ] = None,
) -> None:
    """Print the JSON Schema of one case, as the adapter expects it on input."""
    text = case_json_schema_text()
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}", err=True)

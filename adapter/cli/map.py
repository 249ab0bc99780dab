"""``adapter map``: a case as a FHIR transaction Bundle, or a Bundle back as a case."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer

from adapter.cli.app import app
from adapter.errors import AdapterError, InputError
from adapter.fhir.json_body import dumps_text
from adapter.jsonfile import STDIN, read_json, read_json_stdin
from adapter.mappings.bundle import bundle_to_case, case_to_bundle
from adapter.model.validation import parse_case

EXIT_INPUT = 1


@app.command("map")
def map_command(
    path: Annotated[
        Path,
        typer.Argument(help="A case JSON file (or a Bundle with --reverse); - reads stdin."),
    ],
    reverse: Annotated[
        bool, typer.Option("--reverse", help="Read a FHIR Bundle and print the case JSON.")
    ] = False,
) -> None:
    """Print the FHIR transaction Bundle of a case, or (--reverse) the case held by a Bundle."""
    try:
        data = read_json_stdin() if path == STDIN else read_json(path)
    except InputError as exc:  # not a regular file, not JSON, nested too deeply
        _fail(f"{path}: {exc.reason}")
    try:
        if reverse:
            text = bundle_to_case(data).model_dump_json(indent=2, exclude_defaults=True)
        else:
            text = dumps_text(case_to_bundle(parse_case(data)))
    except AdapterError as exc:  # InputError and MappingError name the record and the field
        _fail(f"{path}: {exc}")
    typer.echo(text)


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(EXIT_INPUT)

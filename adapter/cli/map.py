"""``adapter map``: a case as a FHIR transaction Bundle, or a Bundle back as a case."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from adapter.cli.app import app
from adapter.errors import AdapterError, InputError
from adapter.fhir.json_body import dumps_text
from adapter.jsonfile import STDIN, read_json, read_json_stdin
from adapter.mappings.bundle import bundle_to_case, case_to_bundle
from adapter.mappings.structure import split_valid
from adapter.model.validation import parse_case
from adapter.realm import REALMS, Realm

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
    realm: Annotated[
        str,
        typer.Option(envvar="ADAPTER_REALM", help="Edition: base, or us (also US Core 6.1.0)."),
    ] = "base",
) -> None:
    """Print the FHIR transaction Bundle of a case, or (--reverse) the case held by a Bundle."""
    try:
        data = read_json_stdin() if path == STDIN else read_json(path)
    except InputError as exc:  # not a regular file, not JSON, nested too deeply
        _fail(f"{path}: {exc.reason}")
    if realm not in REALMS:
        _fail(f"--realm: one of {', '.join(REALMS)}, not {realm!r}")
    edition: Realm = "us" if realm == "us" else "base"
    try:
        text = (
            _reverse(path, data)
            if reverse
            else dumps_text(case_to_bundle(parse_case(data), realm=edition))
        )
    except AdapterError as exc:  # InputError and MappingError name the record and the field
        _fail(f"{path}: {exc}")
    typer.echo(text)


def _reverse(path: Path, data: Any) -> str:
    """The case of a Bundle (or one resource): every resource checked against the FHIR R4
    structure first; a resource that is not valid is named (type, id, element) and left out."""
    entries = data.get("entry") if isinstance(data, dict) else None
    if isinstance(data, dict) and data.get("resourceType") == "Bundle":
        if not isinstance(entries, list):
            _fail(f"{path}: Bundle.entry: not a list")
        found = [e.get("resource") if isinstance(e, dict) else e for e in entries]
    else:
        found = [data]
    resources, errors = split_valid(found)
    for error in errors:
        typer.echo(f"warning: {path}: {error}; left out", err=True)
    if not any(r.get("resourceType") == "EpisodeOfCare" for r in resources):
        _fail(f"{path}: no valid EpisodeOfCare: nothing to map")
    try:
        case = bundle_to_case(resources)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        # Valid FHIR that the mapping still cannot follow; the text could quote patient data.
        _fail(f"{path}: the resources have a shape the mapping cannot read ({type(exc).__name__})")
    return case.model_dump_json(indent=2, exclude_defaults=True)


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(EXIT_INPUT)

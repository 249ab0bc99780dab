"""``adapter document CASE --kind transition|episode``: one case as a FHIR document.

CASE is a case id in the case store (as ``adapter case show`` reads it), or a case JSON file
(``-`` reads stdin). The document is written to ``--out`` or printed; ``--json`` prints a
summary for scripts (with the Bundle itself when there is no ``--out``). Nothing of the
document is logged or echoed in errors: it is patient data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from adapter.cli.app import app
from adapter.cli.json_out import JsonOption
from adapter.cli.sync_session import (
    EXIT_CONFIG,
    EXIT_FAILED,
    LedgerOption,
    ServerOption,
    fail,
    ledger_for,
    settings_for,
)
from adapter.errors import InputError
from adapter.fhir.json_body import dumps_text
from adapter.jsonfile import STDIN, read_json, read_json_stdin
from adapter.mappings.documents import DocumentKind, case_document
from adapter.model import Case, parse_case
from adapter.settings import Settings

__all__ = ["document_command"]


@app.command("document")
def document_command(
    case: Annotated[
        str, typer.Argument(help="A case id in the case store, or a case JSON file (- : stdin).")
    ],
    kind: Annotated[
        DocumentKind,
        typer.Option(
            "--kind",
            help="transition: a transitions-of-care document (Composition + sections); "
            "episode: a collection Bundle of every resource of the case.",
        ),
    ] = DocumentKind.TRANSITION,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write the Bundle to this file instead of stdout."),
    ] = None,
    server: ServerOption = None,
    ledger: LedgerOption = None,
    as_json: JsonOption = False,
) -> None:
    """Print (or write) a case as a FHIR document Bundle: the same case version gives the same
    bytes. Entries' fullUrl point at the FHIR server the case is pushed to (--server)."""
    settings = settings_for(server=server, ledger=ledger)
    found = _case(case, settings)
    bundle = case_document(
        found, kind, base_url=settings.fhir_base_url, namespace=settings.namespace
    )
    text = dumps_text(bundle)
    if out is not None:
        try:
            out.write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            fail(f"{out}: cannot write the document ({exc.strerror})", EXIT_CONFIG)
    if as_json:
        typer.echo(dumps_text(_summary(found, kind, bundle, out)))
    elif out is None:
        typer.echo(text)
    else:
        typer.echo(f"case {found.id}: {kind.value} document, {len(bundle['entry'])} entries: {out}")


def _case(name: str, settings: Settings) -> Case:
    """The case named on the command line: a file (or stdin), else a stored case."""
    path = Path(name)
    if name == str(STDIN) or path.is_file():
        try:
            data = read_json_stdin() if name == str(STDIN) else read_json(path)
            return parse_case(data)
        except InputError as exc:  # names the record and the field, never the value
            fail(f"{name}: {exc}", EXIT_FAILED)
    with ledger_for(settings) as store:
        stored = store.get_case(name)
    if stored is None or stored.document is None:
        fail(f"no stored case {name} (and no such file)", EXIT_FAILED)
    return parse_case(stored.document)


def _summary(case: Case, kind: DocumentKind, bundle: dict[str, Any], out: Path | None) -> Any:
    summary: dict[str, Any] = {
        "case": case.id,
        "kind": kind.value,
        "type": bundle["type"],
        "identifier": bundle["identifier"]["value"],
        "timestamp": bundle["timestamp"],
        "entries": len(bundle["entry"]),
        "out": None if out is None else str(out),
    }
    if out is None:
        summary["bundle"] = bundle
    return summary

"""``adapter case show|export`` and ``adapter validate``: the case store, and checking case
files before they are sent (no server needed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from adapter.cli.app import app
from adapter.cli.json_out import JsonOption
from adapter.cli.sync_session import (
    EXIT_CONFIG,
    EXIT_FAILED,
    LedgerOption,
    fail,
    ledger_for,
    settings_for,
)
from adapter.errors import InputError
from adapter.model.validation import parse_case
from adapter.sync.intake import check_incoming, stored_version
from adapter.sync.ledger import Ledger
from adapter.sync.ledger.feed import parse_cursor
from adapter.sync.push.inputs import iter_inputs

case_app = typer.Typer(help="The case store: every case as the adapter last accepted it.")
app.add_typer(case_app, name="case")


@case_app.command("show")
def show(
    case_id: Annotated[str, typer.Argument(help="The case id.")],
    ledger: LedgerOption = None,
    as_json: JsonOption = False,
) -> None:
    """Print a stored case: the document as accepted (from a file, the API or a pull)."""
    with ledger_for(settings_for(ledger=ledger)) as store:
        stored = store.get_case(case_id)
    if stored is None or stored.document is None:
        fail(f"no stored case {case_id}", EXIT_FAILED)
    if as_json:
        typer.echo(json.dumps(stored.document, indent=2, default=str))
        return
    out = Console(soft_wrap=True, highlight=False)
    out.print(f"case {escape(case_id)}: from {escape(stored.source)}, updated {stored.updated_at}")
    out.print(escape(json.dumps(stored.document, indent=2, default=str)))


@case_app.command("export")
def export(
    out: Annotated[Path, typer.Option("--out", help="Directory to write <case id>.json files.")],
    ledger: LedgerOption = None,
    changed_since: Annotated[
        str | None,
        typer.Option(
            "--changed-since",
            help="Only the cases the change feed lists after this cursor (from `pull --json` "
            "or an earlier export); 0: every case with a change.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Write every stored case to DIR/<case id>.json, as the case-management system's input
    format: what the case-management system gets back after pulls (provider completions ...).
    Prints the change feed's cursor to give as --changed-since next time."""
    try:
        cursor = parse_cursor(changed_since) if changed_since is not None else None
    except InputError as exc:
        fail(f"--changed-since: {exc.reason}", EXIT_CONFIG)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"{out}: cannot create the directory ({exc.strerror})", EXIT_CONFIG)
    written = 0
    with ledger_for(settings_for(ledger=ledger)) as store:
        latest = store.feed_cursor()  # read first: a change made meanwhile comes next time
        wanted = store.case_ids() if cursor is None else store.cases_changed_since(cursor)
        for case_id in wanted:
            stored = store.get_case(case_id)
            if stored is None or stored.document is None:
                continue
            (out / f"{case_id}.json").write_text(json.dumps(stored.document, indent=2, default=str))
            written += 1
    typer.echo(f"exported {written} cases to {out}; change feed cursor {latest}")


@app.command("validate")
def validate(
    paths: Annotated[
        list[Path], typer.Argument(help="Case files or directories of them; - reads stdin.")
    ],
    ledger: LedgerOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check case files without sending anything: schema, rules, and each status change
    against the version the ledger stores. Exit 1 when any case is invalid."""
    results: list[dict[str, Any]] = []
    with ledger_for(settings_for(ledger=ledger)) as store:
        for path in paths:
            for item in iter_inputs(path):
                results.append(_check(store, item.case_id, item.document, item.problem))
    bad = [r for r in results if not r["valid"]]
    if as_json:
        typer.echo(json.dumps({"cases": len(results), "invalid": len(bad), "results": results}))
    else:
        out = Console(soft_wrap=True, highlight=False)
        for result in bad:
            out.print(f"  {escape(result['case'])}: {escape(result['error'])}")
        out.print(
            f"{len(results)} cases checked: {len(results) - len(bad)} valid, {len(bad)} invalid"
        )
    raise typer.Exit(EXIT_FAILED if bad else 0)


def _check(store: Ledger, case_id: str, document: Any, problem: str | None) -> dict[str, Any]:
    try:
        if problem is not None:
            raise InputError(record=f"case {case_id}", field="(file)", reason=problem)
        case = parse_case(document)
        stored = store.get_case(case.id)
        check_incoming(case, stored_version(stored.document if stored else None))
    except InputError as exc:
        return {"case": case_id, "valid": False, "error": str(exc)}
    return {"case": case_id, "valid": True, "error": None}

"""``adapter conflicts list|show|resolve``: server changes a person must settle
(:mod:`adapter.sync.conflicts`)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from adapter.cli.app import app
from adapter.cli.json_out import JsonOption, emit
from adapter.cli.status import when
from adapter.cli.sync_session import EXIT_FAILED, LedgerOption, fail, ledger_for, settings_for
from adapter.errors import ConflictError
from adapter.sync.conflicts import ConflictView, list_conflicts, resolve_conflict, show_conflict
from adapter.sync.namespace import resolve_namespace

conflicts_app = typer.Typer(
    help="Conflicts: server changes the rules did not apply; list, show and settle them."
)
app.add_typer(conflicts_app, name="conflicts")


class Side(StrEnum):
    SERVER = "server"
    LOCAL = "local"


@conflicts_app.command("list")
def list_command(
    ledger: LedgerOption = None,
    case: Annotated[str | None, typer.Option("--case", help="One case's conflicts.")] = None,
    show_all: Annotated[bool, typer.Option("--all", help="Include resolved ones.")] = False,
    as_json: JsonOption = False,
) -> None:
    """List conflicts (open ones unless --all), oldest first."""
    with ledger_for(settings_for(ledger=ledger)) as store:
        found = list_conflicts(store, case_id=case, open_only=not show_all)
    if as_json:
        emit([view.to_dict() for view in found])
        return
    out = Console(soft_wrap=True, highlight=False)
    out.print(f"{len(found)} conflict(s)" + ("" if show_all else " open"))
    for view in found:
        out.print(f"  {escape(_line(view))}")


@conflicts_app.command("show")
def show_command(
    conflict_id: Annotated[int, typer.Argument(help="The conflict's id (see `conflicts list`).")],
    ledger: LedgerOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one conflict: the resource, the disputed elements, what the rule said."""
    with ledger_for(settings_for(ledger=ledger)) as store:
        try:
            view = show_conflict(store, conflict_id)
        except ConflictError as exc:
            fail(str(exc), EXIT_FAILED)
    if as_json:
        emit(view.to_dict())
        return
    out = Console(soft_wrap=True, highlight=False)
    out.print(escape(_line(view)))
    out.print(f"  server {escape(view.server)}, recorded {when(view.created_at)}")
    if view.message:
        out.print(f"  {escape(view.message)}")
    if view.open:
        hint = "--take server or --take local" if view.server_side_kept else "--take local"
        out.print(f"  settle it: adapter conflicts resolve {view.id} {hint}")


@conflicts_app.command("resolve")
def resolve_command(
    conflict_id: Annotated[int, typer.Argument(help="The conflict's id (see `conflicts list`).")],
    take: Annotated[
        Side,
        typer.Option(
            "--take",
            help="server: the stored case gets the server's values; local: the next push "
            "writes the local values over the server's.",
        ),
    ],
    ledger: LedgerOption = None,
    as_json: JsonOption = False,
) -> None:
    """Settle an open conflict for the server's side or the local one.

    Exit 1 when it cannot be settled so (resolved already; the server's values would make an
    invalid case or an illegal status change: take local)."""
    settings = settings_for(ledger=ledger)
    with ledger_for(settings) as store:
        try:
            done = resolve_conflict(
                store,
                conflict_id,
                "server" if take is Side.SERVER else "local",
                namespace=resolve_namespace(settings, store),
            )
        except ConflictError as exc:
            fail(str(exc), EXIT_FAILED)
    if as_json:
        body = {**done.conflict.to_dict(), "changes": [c.to_dict() for c in done.changes]}
        emit(body)
        return
    out = Console(soft_wrap=True, highlight=False)
    out.print(escape(_line(done.conflict)))
    for change in done.changes:
        out.print(f"  {escape(change.path)}: changed (from the server)")
    if take is Side.LOCAL:
        out.print("  the next push writes the local values over the server's")


def _line(view: ConflictView) -> str:
    state = "open" if view.open else f"resolved: {view.resolution or 'merged'}"
    fields = ", ".join(view.fields) or "-"
    return (
        f"#{view.id} case {view.case_id} {view.resource_type}/{view.resource_id} "
        f"[{view.kind}] ({fields}) {state}"
    )

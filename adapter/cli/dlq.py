"""``adapter dlq list|show|retry``: the dead-letter list of cases that could not be synced."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from adapter.cli.app import app
from adapter.cli.explain import issues
from adapter.cli.json_out import JsonOption, emit, letter_json, push_json
from adapter.cli.push import print_report
from adapter.cli.status import when
from adapter.cli.sync_session import (
    EXIT_CONFIG,
    EXIT_FAILED,
    ConcurrencyOption,
    LedgerOption,
    ServerOption,
    fail,
    ledger_for,
    push_with_progress,
    settings_for,
)
from adapter.sync.ledger import DeadLetter, Ledger
from adapter.sync.push.replay import close_landed, replay_inputs

dlq = typer.Typer(help="The dead-letter list: cases that could not be synced, and why.")
app.add_typer(dlq, name="dlq")


@dlq.command("list")
def list_letters(
    server: ServerOption = None,
    ledger: LedgerOption = None,
    show_all: Annotated[bool, typer.Option("--all", help="Include resolved letters.")] = False,
    as_json: JsonOption = False,
) -> None:
    """List dead letters (open ones unless --all), oldest first."""
    settings = settings_for(server, ledger)
    with ledger_for(settings) as store:
        letters = store.dead_letters(server, open_only=not show_all)
    if as_json:
        emit({"dead_letters": [letter_json(letter) for letter in letters]})
        return
    out = Console(soft_wrap=True, highlight=False)
    out.print(f"{len(letters)} dead letter(s)" + ("" if show_all else " open"))
    for letter in letters:
        state = "open" if letter.is_open else str(letter.resolution)
        out.print(
            f"  #{letter.id} case {escape(letter.case_id)} \\[{letter.reason.value}] "
            f"{_answer(letter)} {state}, {letter.attempts} attempt(s), last {when(letter.last_at)}"
        )
        out.print(f"      {escape(letter.message or '')}")


@dlq.command("show")
def show(
    letter_id: Annotated[int, typer.Argument(help="The dead letter's id (see `dlq list`).")],
    ledger: LedgerOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one dead letter with the server's OperationOutcome."""
    settings = settings_for(None, ledger)
    with ledger_for(settings) as store:
        letter = _letter(store, letter_id)
    if as_json:
        emit(letter_json(letter))
        return
    out = Console(soft_wrap=True, highlight=False)
    state = (
        "open" if letter.is_open else f"resolved {when(letter.resolved_at)} ({letter.resolution})"
    )
    out.print(
        f"dead letter #{letter.id}: case {escape(letter.case_id)} \\[{letter.reason.value}] {state}"
    )
    out.print(
        f"server {escape(letter.server_url)}; {letter.attempts} attempt(s), "
        f"first {when(letter.first_at)}, last {when(letter.last_at)}"
    )
    out.print(f"answer: {_answer(letter) or 'none'}")
    out.print(f"message: {escape(letter.message or '')}")
    for issue in issues(letter.operation_outcome):
        out.print(f"server: {escape(issue)}")


@dlq.command("retry")
def retry(
    letter_id: Annotated[int | None, typer.Argument(help="One dead letter's id.")] = None,
    retry_all: Annotated[
        bool, typer.Option("--all", help="Retry every open letter of the server.")
    ] = False,
    server: ServerOption = None,
    ledger: LedgerOption = None,
    concurrency: ConcurrencyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Re-read the cases (source file, else the case store), validate and push them again.

    A letter is resolved when its case lands.
    """
    if (letter_id is None) == (not retry_all):
        fail("give one dead letter id, or --all", EXIT_CONFIG)
    settings = settings_for(server, ledger)
    with ledger_for(settings) as store:
        if letter_id is not None:
            letter = _letter(store, letter_id)
            if not letter.is_open:
                fail(
                    f"dead letter #{letter_id} is already resolved ({letter.resolution})",
                    EXIT_CONFIG,
                )
            settings = settings_for(server or letter.server_url, ledger)
            letters = [letter]
        else:
            letters = store.dead_letters(settings.fhir_base_url)
        replay = replay_inputs(store, letters)
        for letter, why in replay.missing:  # on stderr: --json keeps stdout for the document
            typer.echo(f"cannot retry #{letter.id} (case {letter.case_id}): {why}", err=True)
        if not replay.inputs:
            fail("nothing to retry", EXIT_FAILED)
        console = Console(stderr=True)
        report = asyncio.run(
            push_with_progress(
                settings, store, replay.inputs, concurrency=concurrency, console=console
            )
        )
        close_landed(store, replay, report)
    if as_json:
        missing = [{"id": letter.id, "case_id": letter.case_id, "why": why}
                   for letter, why in replay.missing]  # fmt: skip
        emit({**push_json(report, settings.fhir_base_url), "not_retried": missing})
    else:
        print_report(report, settings.fhir_base_url)
    raise typer.Exit(0 if report.all_ok and not replay.missing else EXIT_FAILED)


def _letter(store: Ledger, letter_id: int) -> DeadLetter:
    letter = store.dead_letter(letter_id)
    if letter is None:
        fail(f"no dead letter #{letter_id} in the ledger", EXIT_CONFIG)
    return letter


def _answer(letter: DeadLetter) -> str:
    parts = [f"HTTP {letter.http_status}" if letter.http_status else "", letter.server_code or ""]
    return " ".join(part for part in parts if part)

"""What the sync commands (push, status, explain, dlq, demo) share: settings from the command
line, the ledger, a checked connection to the server, a progress bar, one-line errors."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sized
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from adapter.cli.failures import (
    EXIT_CONFIG,
    EXIT_FAILED,
    EXIT_UNREACHABLE,
    describe,
    describe_refusal,
    fail,
)
from adapter.errors import AccessDenied, AdapterError, ConfigError, FHIRError, TokenEndpointError
from adapter.fhir import open_client, probe_capabilities
from adapter.fhir.factory import BEFORE_RUN_ATTEMPTS
from adapter.model.case import Case
from adapter.settings import Settings, load_settings
from adapter.sync.documents import ClosureDocuments
from adapter.sync.ledger import Ledger
from adapter.sync.namespace import resolve_namespace
from adapter.sync.push.outcomes import CaseOutcome, PushReport
from adapter.sync.push.run import CaseInput, push_cases
from adapter.sync.referrals.sources import task_server
from adapter.sync.server_profile import settings_with_profile

__all__ = [
    "EXIT_CONFIG",
    "EXIT_FAILED",
    "EXIT_UNREACHABLE",
    "SINCE_FORMATS",
    "ConcurrencyOption",
    "LedgerOption",
    "ServerOption",
    "fail",
    "ledger_for",
    "push_with_progress",
    "settings_for",
]

ServerOption = Annotated[
    str | None,
    typer.Option(
        "--server", help="FHIR base URL (default: ADAPTER_FHIR_BASE_URL).", show_default=False
    ),
]
LedgerOption = Annotated[
    str | None,
    typer.Option(
        "--ledger",
        help="Ledger database URL, or a SQLite file path (default: ADAPTER_LEDGER_URL).",
        show_default=False,
    ),
]
#: What ``--since`` accepts: an instant with its zone, or a date (UTC).
SINCE_FORMATS = ["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%d"]
ConcurrencyOption = Annotated[
    int | None,
    typer.Option(
        "--concurrency",
        min=1,
        max=64,
        help="Cases pushed in parallel (each case is one transaction) "
        "[default: ADAPTER_PUSH_CONCURRENCY, else the server's request ceiling + 2: 10 "
        "locally, 4 on a public sandbox; the requests in flight adapt below that ceiling].",
        show_default=False,
    ),
]


def settings_for(server: str | None = None, ledger: str | None = None) -> Settings:
    overrides = {
        name: value
        for name, value in (("fhir_base_url", server), ("ledger_url", ledger))
        if value is not None
    }
    try:
        return load_settings(**overrides)
    except ConfigError as exc:
        fail(str(exc), EXIT_CONFIG)


@contextmanager
def ledger_for(settings: Settings) -> Iterator[Ledger]:
    try:
        ledger = Ledger.open(settings.ledger_url)
    except AdapterError as exc:
        fail(str(exc), EXIT_CONFIG)
    with ledger:
        yield ledger


async def push_with_progress(
    settings: Settings,
    ledger: Ledger,
    inputs: Iterable[CaseInput],
    *,
    concurrency: int | None,
    console: Console,
    total: int | None = None,
) -> PushReport:
    """Check the server answers, then push with a progress bar (only on a terminal).

    ``inputs`` may be lazy; ``total`` is the count expected (a file holding an array of cases
    counts once until it is read, then the bar grows)."""
    if total is None and isinstance(inputs, Sized):
        total = len(inputs)
    namespace = resolve_namespace(settings, ledger)
    settings = await settings_with_profile(settings, ledger, namespace)
    async with open_client(settings) as client, task_server(settings) as tasks:
        await _reachable(settings)
        columns = (TextColumn("pushing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console, disable=not console.is_terminal) as progress:
            task = progress.add_task("push", total=total)
            done = 0

            def advance(_: CaseOutcome) -> None:
                nonlocal done
                done += 1
                grown = max(total, done) if total is not None else None
                progress.update(task, completed=done, total=grown)

            try:
                return await push_cases(
                    inputs,
                    client=client,
                    ledger=ledger,
                    concurrency=concurrency or settings.push_concurrency,
                    namespace=namespace,
                    on_case=advance,
                    total=total,
                    on_accepted=_closure_documents(settings, namespace),
                    leases=settings.case_leases,
                    lease_seconds=settings.lease_seconds,
                    referral_tasks=tasks,
                )
            except (AccessDenied, TokenEndpointError) as exc:
                progress.stop()
                message = describe_refusal(exc, settings.fhir_base_url, settings.fhir_auth)
                fail(message, EXIT_UNREACHABLE)
            except ConfigError as exc:  # ADAPTER_RESOURCE_TYPES naming a type never written
                progress.stop()
                fail(str(exc), EXIT_CONFIG)


def _closure_documents(settings: Settings, namespace: str | None) -> Callable[[Case], Any] | None:
    """``ADAPTER_DOCUMENTS_ON_CLOSE``: what writes a closed case's document, if configured."""
    documents = ClosureDocuments.from_settings(settings, namespace=namespace)
    return None if documents is None else documents.accepted


async def _reachable(settings: Settings) -> None:
    # A push to a server that is not there would dead-letter every case.
    try:
        await probe_capabilities(settings, attempts=BEFORE_RUN_ATTEMPTS)
    except FHIRError as exc:
        fail(describe(exc, settings.fhir_base_url), EXIT_UNREACHABLE)

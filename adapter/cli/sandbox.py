"""``adapter sandbox``: working safely on shared FHIR test servers (namespace, clean-up)."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from adapter.canonical import check_namespace
from adapter.cli.app import app
from adapter.cli.failures import EXIT_CONFIG, EXIT_FAILED, EXIT_UNREACHABLE, describe, fail
from adapter.errors import AdapterError, ConfigError
from adapter.fhir import open_client
from adapter.politeness import politeness
from adapter.settings import Settings, load_settings
from adapter.sync.ledger import Ledger
from adapter.sync.namespace import NAMESPACE_KEY, resolve_namespace
from adapter.sync.sandbox import CleanReport, clean_namespace

sandbox = typer.Typer(
    name="sandbox",
    help="Work safely on shared FHIR test servers: this installation's namespace, and clean-up.",
    no_args_is_help=True,
)
app.add_typer(sandbox)

ServerOption = Annotated[
    str | None,
    typer.Option(help="FHIR base URL (default: ADAPTER_FHIR_BASE_URL)", show_default=False),
]


@sandbox.command("namespace")
def show_namespace() -> None:
    """Print the namespace this installation writes under (on a public sandbox, creating it
    on first use; elsewhere only ADAPTER_NAMESPACE or one the ledger already keeps)."""
    try:
        settings = load_settings()
        with Ledger.open(settings.ledger_url) as ledger:
            namespace = resolve_namespace(settings, ledger)
        typer.echo(namespace or "(none: plain ids; set ADAPTER_NAMESPACE on a shared server)")
    except AdapterError as exc:
        fail(str(exc), EXIT_CONFIG)


@sandbox.command("clean")
def clean(
    server: ServerOption = None,
    namespace: Annotated[
        str | None,
        typer.Option(help="Namespace to delete (default: this installation's)", show_default=False),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only list what would be deleted.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Delete every resource this namespace wrote on the server, and nothing else."""
    try:
        settings = load_settings(fhir_base_url=server) if server else load_settings()
        with Ledger.open(settings.ledger_url) as ledger:
            chosen = namespace or settings.namespace or ledger.get_setting(NAMESPACE_KEY)
            if chosen is None:
                typer.echo("no namespace yet: nothing was written from this installation")
                return
            check_namespace(chosen)
            report = asyncio.run(_clean(settings, chosen, dry_run=dry_run, ledger=ledger))
    except ValueError as exc:
        fail(str(exc), EXIT_CONFIG)
    except ConfigError as exc:
        fail(str(exc), EXIT_CONFIG)
    except AdapterError as exc:
        fail(describe(exc, settings.fhir_base_url), EXIT_UNREACHABLE)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
    else:
        typer.echo(_profile_line(settings))
        _print(report, dry_run=dry_run)
    if not report.complete:
        fail("resources of the namespace are still on the server (written meanwhile?)", EXIT_FAILED)


async def _clean(
    settings: Settings, namespace: str, *, dry_run: bool, ledger: Ledger
) -> CleanReport:
    async with open_client(settings) as client:
        return await clean_namespace(client, namespace, dry_run=dry_run, ledger=ledger)


def _print(report: CleanReport, *, dry_run: bool) -> None:
    console = Console()
    verb = "would delete" if dry_run else "deleted"
    console.print(f"{report.server} · namespace {report.namespace} · {report.method}")
    if not report.found:
        console.print("nothing of this namespace on the server")
        return
    table = Table(title_justify="left")
    table.add_column("resource type")
    table.add_column(verb, justify="right")
    if dry_run:
        table.add_column("ids")
    for resource_type, ids in report.found.items():
        row = [resource_type, str(len(ids))]
        table.add_row(*row, *([" ".join(ids)] if dry_run else []))
    console.print(table)
    summary = f"{verb} {report.total} resource(s)"
    if not dry_run:
        summary += f"; ledger entries forgotten: {report.forgotten}"
    console.print(summary)


def _profile_line(settings: Settings) -> str:
    """How hard the adapter presses this server (a public one gets the polite profile)."""
    polite = politeness(settings)
    rate = f"{polite.rate_limit:g}/s" if polite.rate_limit else "unlimited"
    return f"profile {polite.profile}: {polite.max_concurrency} parallel, {rate}"

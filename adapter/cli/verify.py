"""``adapter verify``: does the server hold what the ledger says? ``--repair`` resends losses."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from adapter.cli.app import app
from adapter.cli.failures import describe
from adapter.cli.json_out import JsonOption, emit
from adapter.cli.sync_session import (
    EXIT_FAILED,
    EXIT_UNREACHABLE,
    LedgerOption,
    ServerOption,
    fail,
    ledger_for,
    settings_for,
)
from adapter.errors import AdapterError, FHIRError
from adapter.fhir import open_client
from adapter.settings import Settings
from adapter.sync.ledger import Ledger
from adapter.sync.namespace import resolve_namespace
from adapter.sync.push.outcomes import PushReport
from adapter.sync.push.repair import repair
from adapter.sync.push.verify import VerifyReport, verify
from adapter.sync.server_profile import settings_with_profile


@app.command("verify")
def verify_command(
    cases: Annotated[
        list[str] | None,
        typer.Argument(help="Case ids to check (default: every case the ledger knows)."),
    ] = None,
    fix: Annotated[
        bool,
        typer.Option(
            "--repair",
            help="Send again what the server lost (only that, one transaction per case), "
            "then check again.",
        ),
    ] = False,
    server: ServerOption = None,
    ledger: LedgerOption = None,
    as_json: JsonOption = False,
) -> None:
    """Read back every resource the ledger says the server holds and compare presence,
    version and content: per case ok / missing / changed on the server; resources of this
    installation the ledger does not know (under a namespace) are listed as unknown.

    Exit status 0 when server and ledger agree, 1 when they do not (after --repair: when
    something still differs, such as a change made on the server, which `adapter pull` takes).
    """
    settings = settings_for(server, ledger)
    with ledger_for(settings) as store:
        try:
            report, repaired = asyncio.run(_run(settings, store, cases or None, fix))
        except FHIRError as exc:
            fail(describe(exc, settings.fhir_base_url), EXIT_UNREACHABLE)
        except AdapterError as exc:
            fail(str(exc), EXIT_FAILED)
    if as_json:
        shape = {
            **report.summary(),
            "repaired": None if repaired is None else repaired.summary(),
            "cases_not_ok": [c.as_json() for c in report.cases if c.state != "ok"],
            "unknown_resources": [f"{t}/{i}" for t, i in report.unknown],
        }
        emit(shape)
    else:
        print_report(report, repaired)
    raise typer.Exit(0 if report.agrees else EXIT_FAILED)


async def _run(
    settings: Settings, ledger: Ledger, cases: list[str] | None, fix: bool
) -> tuple[VerifyReport, PushReport | None]:
    namespace = resolve_namespace(settings, ledger)
    settings = await settings_with_profile(settings, ledger, namespace)
    async with open_client(settings) as client:
        report = await verify(client, ledger, namespace=namespace, case_ids=cases)
        if not fix or not (report.missing or any(c.older for c in report.cases)):
            return report, None
        repaired = await repair(client, ledger, report, namespace=namespace)
        again = [check.case_id for check in report.cases if check.state != "ok"]
        after = await verify(client, ledger, namespace=namespace, case_ids=again)
        fixed = {check.case_id: check for check in after.cases}
        report.cases = [fixed.get(check.case_id, check) for check in report.cases]
        return report, repaired


def print_report(report: VerifyReport, repaired: PushReport | None) -> None:
    out = Console(soft_wrap=True, highlight=False)
    for check in report.cases:
        if check.state == "ok":
            continue
        parts = []
        if check.missing:
            parts.append(f"{len(check.missing)} missing")
        if check.changed:
            older = f", {check.went_back} older than recorded" if check.went_back else ""
            parts.append(f"{len(check.changed)} changed on the server{older}")
        out.print(f"case {escape(check.case_id)}: {', '.join(parts)}")
    for kind, ident in report.unknown:
        out.print(f"unknown to the ledger: {escape(kind)}/{escape(ident)}")
    if repaired is not None:
        s = repaired.summary()
        out.print(
            f"repaired: {s['cases_written']} of {s['cases']} cases sent again, "
            f"{s['resources_written']} resources written, {s['cases_failed']} failed "
            f"(run {repaired.run_id})"
        )
    s = report.summary()
    verdict = "[green]agrees[/green]" if report.agrees else "[red]differs[/red]"
    unknown = f", {s['unknown']} unknown" if report.searched_unknown else ""
    out.print(
        f"verified {s['resources']} resources of {s['cases']} cases on {escape(report.server)}: "
        f"{s['missing']} missing, {s['changed']} changed{unknown}: {verdict}"
    )

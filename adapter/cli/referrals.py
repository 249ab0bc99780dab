"""``adapter referrals claim|accept|reject|complete``: referrals into case management on the
Gravity pattern (:mod:`adapter.sync.referrals.inbound`, docs/referrals.md)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from adapter.cli.app import app
from adapter.cli.failures import describe
from adapter.cli.json_out import JsonOption, emit
from adapter.cli.sync_session import (
    EXIT_CONFIG,
    EXIT_FAILED,
    EXIT_UNREACHABLE,
    LedgerOption,
    ServerOption,
    fail,
    ledger_for,
    settings_for,
)
from adapter.errors import AdapterError, FHIRError
from adapter.fhir import FHIRClient, open_client
from adapter.model.codes import ProgramType
from adapter.settings import Settings
from adapter.sync.ledger import Ledger
from adapter.sync.referrals.inbound import ClaimReport, answer, claim
from adapter.sync.referrals.sources import referral_sources

referrals_app = typer.Typer(
    help="Referrals into case management: claim the Tasks addressed to the case-management "
    "organization (ADAPTER_REFERRAL_ORGANIZATION) and answer them."
)
app.add_typer(referrals_app, name="referrals")

_T = TypeVar("_T")
CaseArgument = Annotated[str, typer.Argument(help="The case a claimed referral opened.")]


def _today() -> date:
    return datetime.now(UTC).date()


def _run(
    server: str | None,
    ledger: str | None,
    call: Callable[[FHIRClient, Ledger, Settings], Awaitable[_T]],
) -> _T:
    settings = settings_for(server, ledger)
    with ledger_for(settings) as store:

        async def session() -> _T:
            async with open_client(settings) as client:
                return await call(client, store, settings)

        try:
            return asyncio.run(session())
        except FHIRError as exc:
            fail(describe(exc, settings.fhir_base_url), EXIT_UNREACHABLE)
        except AdapterError as exc:
            fail(str(exc), EXIT_FAILED)


@referrals_app.command("claim")
def claim_command(
    program: Annotated[
        ProgramType, typer.Option("--program", help="The program the new cases enrol in.")
    ] = ProgramType.COMPLEX_CARE,
    server: ServerOption = None,
    ledger: LedgerOption = None,
    as_json: JsonOption = False,
) -> None:
    """Open a `referred` case from each requested Task addressed to the organization (and
    honour cancellation Tasks, code abort, for referrals not yet started)."""

    async def call(client: FHIRClient, store: Ledger, settings: Settings) -> ClaimReport:
        if settings.referral_organization is None:
            fail("set ADAPTER_REFERRAL_ORGANIZATION (Organization/<id>) to claim", EXIT_CONFIG)
        async with referral_sources(client, settings) as sources:
            return await claim(
                client,
                store,
                server=settings.fhir_base_url,
                organization=settings.referral_organization,
                program=program,
                today=_today(),
                sources=sources,
            )

    report = _run(server, ledger, call)
    code = EXIT_FAILED if report.refused else 0
    if as_json:
        emit(claim_json(report))
        raise typer.Exit(code)
    out = Console(soft_wrap=True, highlight=False)
    out.print(
        f"referrals: {len(report.claimed)} claimed, {report.known} claimed before, "
        f"{len(report.cancelled)} cancelled, {len(report.refused)} refused"
    )
    for task_id, case_id in report.claimed:
        out.print(f"  Task/{escape(task_id)}: opened case {escape(case_id)} (referred)")
    for task_id, case_id in report.cancelled:
        out.print(f"  Task/{escape(task_id)}: cancelled {escape(case_id or 'an unclaimed one')}")
    for task_id, reason in report.refused:
        out.print(f"  Task/{escape(task_id)}: refused: {escape(reason)}")
    raise typer.Exit(code)


def claim_json(report: ClaimReport) -> dict[str, object]:
    """``referrals claim --json`` (docs/cli-json.md): ids and reasons, no patient data."""
    return {
        "claimed": [{"task_id": t, "case_id": c} for t, c in report.claimed],
        "claimed_before": report.known,
        "cancelled": [{"abort_task_id": t, "case_id": c or None} for t, c in report.cancelled],
        "refused": [{"task_id": t, "reason": r} for t, r in report.refused],
    }


def _answer(
    case_id: str,
    status: str,
    server: str | None,
    ledger: str | None,
    *,
    reason: str | None = None,
    outcome: str | None = None,
    as_json: bool = False,
) -> None:
    async def call(client: FHIRClient, store: Ledger, settings: Settings) -> dict[str, Any]:
        return await answer(
            client,
            store,
            server=settings.fhir_base_url,
            case_id=case_id,
            status=status,
            reason=reason,
            outcome=outcome,
            today=_today(),
        )

    written = _run(server, ledger, call)
    task_id, version = written.get("id"), (written.get("meta") or {}).get("versionId")
    if as_json:
        emit(
            {
                "case_id": case_id,
                "status": written.get("status"),
                "task_id": task_id,
                "task_version": version,
            }
        )
        return
    Console(soft_wrap=True, highlight=False).print(
        f"case {escape(case_id)}: referral {status} (Task/{escape(str(task_id))} version "
        f"{escape(str(version))})"
    )


@referrals_app.command("accept")
def accept_command(
    case: CaseArgument,
    server: ServerOption = None,
    ledger: LedgerOption = None,
    as_json: JsonOption = False,
) -> None:
    """Accept the referral that opened CASE (the case moves to screening)."""
    _answer(case, "accepted", server, ledger, as_json=as_json)


@referrals_app.command("reject")
def reject_command(
    case: CaseArgument,
    reason: Annotated[str, typer.Option("--reason", help="Why (Task.statusReason).")],
    server: ServerOption = None,
    ledger: LedgerOption = None,
    as_json: JsonOption = False,
) -> None:
    """Reject the referral that opened CASE (the case is cancelled)."""
    _answer(case, "rejected", server, ledger, reason=reason, as_json=as_json)


@referrals_app.command("complete")
def complete_command(
    case: CaseArgument,
    outcome: Annotated[
        str | None, typer.Option("--outcome", help="What was done (a resulting activity).")
    ] = None,
    server: ServerOption = None,
    ledger: LedgerOption = None,
    as_json: JsonOption = False,
) -> None:
    """Report the referral that opened CASE as completed."""
    _answer(case, "completed", server, ledger, outcome=outcome, as_json=as_json)

"""``adapter referrals claim|accept|reject|complete``: referrals into case management on the
Gravity pattern (:mod:`adapter.sync.referrals.inbound`, docs/referrals.md)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from adapter.cli.app import app
from adapter.cli.failures import describe
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
) -> None:
    """Open a `referred` case from each requested Task addressed to the organization (and
    honour cancellation Tasks, code abort, for referrals not yet started)."""

    async def call(client: FHIRClient, store: Ledger, settings: Settings) -> ClaimReport:
        if settings.referral_organization is None:
            fail("set ADAPTER_REFERRAL_ORGANIZATION (Organization/<id>) to claim", EXIT_CONFIG)
        return await claim(
            client,
            store,
            server=settings.fhir_base_url,
            organization=settings.referral_organization,
            program=program,
            today=_today(),
        )

    report = _run(server, ledger, call)
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
    raise typer.Exit(EXIT_FAILED if report.refused else 0)


def _answer(
    case_id: str,
    status: str,
    server: str | None,
    ledger: str | None,
    *,
    reason: str | None = None,
    outcome: str | None = None,
) -> None:
    async def call(client: FHIRClient, store: Ledger, settings: Settings) -> str:
        written = await answer(
            client,
            store,
            server=settings.fhir_base_url,
            case_id=case_id,
            status=status,
            reason=reason,
            outcome=outcome,
            today=_today(),
        )
        return f"Task/{written.get('id')} version {written.get('meta', {}).get('versionId')}"

    where = _run(server, ledger, call)
    Console(soft_wrap=True, highlight=False).print(
        f"case {escape(case_id)}: referral {status} ({escape(where)})"
    )


@referrals_app.command("accept")
def accept_command(
    case: CaseArgument, server: ServerOption = None, ledger: LedgerOption = None
) -> None:
    """Accept the referral that opened CASE (the case moves to screening)."""
    _answer(case, "accepted", server, ledger)


@referrals_app.command("reject")
def reject_command(
    case: CaseArgument,
    reason: Annotated[str, typer.Option("--reason", help="Why (Task.statusReason).")],
    server: ServerOption = None,
    ledger: LedgerOption = None,
) -> None:
    """Reject the referral that opened CASE (the case is cancelled)."""
    _answer(case, "rejected", server, ledger, reason=reason)


@referrals_app.command("complete")
def complete_command(
    case: CaseArgument,
    outcome: Annotated[
        str | None, typer.Option("--outcome", help="What was done (a resulting activity).")
    ] = None,
    server: ServerOption = None,
    ledger: LedgerOption = None,
) -> None:
    """Report the referral that opened CASE as completed."""
    _answer(case, "completed", server, ledger, outcome=outcome)

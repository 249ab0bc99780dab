"""Push: cases in, FHIR server in step, the ledger telling what happened to each.

For each case: validate (bad input, or a ledger error on the case, fails that case only), keep
it in the case store, map it, send only the resources whose content changed as one transaction
(PUT by deterministic id, If-Match where the version is known), and record the server's
versions once it has committed. Cases run in parallel up to ``concurrency``, read lazily; one
case is strictly sequential. A case already pushed in full as it is, with the same mapping
fingerprint, costs one ledger read (:class:`adapter.sync.ledger.cases.PushContext`). The ledger
calls of a run go through one thread (:mod:`adapter.sync.ledger.thread`).

Before the first case, one GET of this installation's marker tells whether the server lost or
rewound data since the last run (:mod:`adapter.sync.push.marker`); if so, what the ledger claims
is read back first and what is gone is sent again. After a run that wrote, the marker moves
on: inside the run's transaction when that was its only one (:mod:`adapter.sync.push.ride`),
else with a PUT of its own. A reference the server calls dangling makes
the case read back what it counted on and retry once.

A run killed at any point can simply be run again: what was committed but not recorded is
re-sent, and HAPI stores an identical PUT as no change.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Callable, Iterable, Sequence, Sized
from typing import Any

from adapter.errors import FHIRError, InputError, LedgerError, MappingError
from adapter.fhir.client import FHIRClient
from adapter.model.case import Case
from adapter.sync.ledger import Ledger
from adapter.sync.ledger.leases import DEFAULT_LEASE_SECONDS
from adapter.sync.ledger.owner import ended_by
from adapter.sync.ledger.records import ResourceKey
from adapter.sync.ledger.schema import ReasonCode, RunKind
from adapter.sync.ledger.thread import LedgerThread
from adapter.sync.push.adopt import held_resources
from adapter.sync.push.examine import Held, Unchanged, examine, landed_of
from adapter.sync.push.failures import Failure, classify, stops_the_run
from adapter.sync.push.leasing import LeaseMode, leases_for, push_in_turns
from adapter.sync.push.links import link_existing
from adapter.sync.push.marker import check_server, touch_marker
from adapter.sync.push.outcomes import CaseOutcome, CaseStatus, PushReport, after_retry
from adapter.sync.push.planner import CasePlan
from adapter.sync.push.recording import record_sent, taken_from_server
from adapter.sync.push.referral_tasks import with_referral_tasks
from adapter.sync.push.ride import covers_run, marker_ride
from adapter.sync.push.selection import learn_refused, refused_types, selection_for
from adapter.sync.push.sender import CaseSender
from adapter.sync.push.state import CaseInput, PushRun
from adapter.sync.push.verify import forget_absent
from adapter.sync.referrals.outbound import hold_started_cancels
from adapter.sync.server_ids import with_server_ids

__all__ = [
    "CaseInput",
    "CaseOutcome",
    "CaseStatus",
    "PushReport",
    "push_cases",
]

log = logging.getLogger("adapter.sync.push")


async def push_cases(
    inputs: Iterable[CaseInput],
    *,
    client: FHIRClient,
    ledger: Ledger,
    concurrency: int | None = None,
    namespace: str | None = None,
    on_case: Callable[[CaseOutcome], None] | None = None,
    on_run: Callable[[int], None] | None = None,
    total: int | None = None,
    on_accepted: Callable[[Case], None] | None = None,
    leases: LeaseMode = "auto",
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
    referral_tasks: FHIRClient | None = None,
) -> PushReport:
    """Push ``inputs`` to ``client``'s server as one ledger run; never raises for one case's
    failure (see the report and the dead-letter list). ``inputs`` may be lazy (read as cases
    are taken up); ``total`` (default: its length) is the count the run announces.
    ``namespace`` is the mapping namespace (None: plain ids). ``on_case`` is told of every
    case, ``on_run`` of the ledger run's id as soon as it is opened, ``on_accepted`` (on the
    ledger thread) of each case version kept in the case store (closure documents). ``leases``:
    whether cases are leased for other workers on the same ledger (auto: on PostgreSQL), for
    ``lease_seconds`` at a time. ``concurrency``: cases in flight; None: two more than the
    server's send window can ever hold, so the next cases are read, checked and mapped while
    others wait for their answers (the window, adapter/fhir/window.py, bounds the requests).
    ``referral_tasks``: the performer's server the referral Tasks go to, after each case
    (:mod:`adapter.sync.referrals.task_server`; None: with the case)."""
    if total is None and isinstance(inputs, Sized):
        total = len(inputs)
    if concurrency is None:
        concurrency = client.window.ceiling + 2
    client = await with_server_ids(client, ledger)  # a server that assigns ids itself
    run = await asyncio.to_thread(
        ledger.start_run, RunKind.PUSH, client.base.url, cases_total=total
    )
    if on_run is not None:
        on_run(run.id)
    with LedgerThread() as thread:
        state = PushRun(client, ledger, run.id, thread, namespace, on_case, on_accepted)
        state.referral_tasks = referral_tasks
        state.leases = leases_for(leases, ledger, state.server, run.id, lease_seconds)
        try:
            state.selection = await thread(
                selection_for, client.resource_types, ledger, client.base.url
            )
            if referral_tasks is not None:  # they go to the performer's server, not this one
                state.selection = dataclasses.replace(
                    state.selection, referrals_elsewhere=str(referral_tasks.base.url)
                )
            checked = await check_server(client, ledger, namespace)
            state.adopting = checked.state == "adopt"
            if state.leases is None:  # other workers' writes may follow: the marker goes last
                state.ride = marker_ride(client, ledger, namespace, checked.state)
            leasing = state.leases.kept(thread) if state.leases else contextlib.nullcontext()
            async with leasing:
                outcomes = await push_in_turns(
                    inputs,
                    key=lambda item: item.case_id,
                    work=lambda item: _push_one(state, item),
                    concurrency=concurrency,
                    leases=state.leases,
                )
        except BaseException as exc:
            await state.unchanged.flush()
            await asyncio.to_thread(ledger.finish_run, run.id, ended_by(exc))
            raise
        report = PushReport(
            run.id,
            outcomes,
            server_check=checked.state,
            forgotten=checked.forgotten,
            namespace=namespace,
            left_out_types=tuple(sorted(state.selection.left_out)),
        )
        try:
            await state.unchanged.flush()
            wrote = report.resources_written or checked.suspicious
            if checked.state != "unsupported" and wrote and not covers_run(state.ride):
                await touch_marker(client, ledger, namespace)
            await asyncio.to_thread(ledger.finish_run, run.id, summary=report.summary())
        except LedgerError as exc:  # each case has its outcome; the next run marks this interrupted
            report = dataclasses.replace(report, ledger_problem=str(exc))
        return report


async def _push_one(run: PushRun, item: CaseInput) -> CaseOutcome:
    """One case; a ledger error reading or recording it fails this case only."""
    try:
        outcome = await _push_held(run, item)
        if outcome.status is CaseStatus.HELD:
            return outcome
        return _done(run, await with_referral_tasks(run, outcome))
    except LedgerError as exc:
        failure = Failure(ReasonCode.LEDGER_ERROR, type(exc).__name__, str(exc))
        return _done(run, await _failed(run, item.case_id, failure))
    finally:
        if run.leases is not None and item.case_id in run.leases.held:
            with contextlib.suppress(LedgerError):  # it expires on its own
                await run.call(run.leases.give_back, item.case_id)


async def _push_held(run: PushRun, item: CaseInput) -> CaseOutcome:
    """A cancel of a referral its performer holds goes as an abort Task, and the task keeps its
    stored status meanwhile (:mod:`adapter.sync.referrals.outbound`)."""
    if not isinstance(item.document, dict):
        return await _push_case(run, item)
    try:
        document, held = await hold_started_cancels(
            run.client, run.ledger, server=run.server, namespace=run.namespace,
            document=item.document, tasks=run.referral_tasks,
        )  # fmt: skip
    except FHIRError as exc:
        if stops_the_run(exc):
            raise
        return await _failed(run, item.case_id, classify(exc))
    if not held:
        return await _push_case(run, item)
    outcome = await _push_case(run, dataclasses.replace(item, document=document))
    return dataclasses.replace(outcome, kept=(*outcome.kept, *held))


async def _push_case(
    run: PushRun, item: CaseInput, *, again: bool = False, adopted: bool = False
) -> CaseOutcome:
    try:
        linked = await link_existing(run.client, run.ledger, item.case_id, item.document)
        if linked is not item.document:
            item = CaseInput(item.case_id, linked, item.source, item.problem)
        step = await run.call(examine, run, item)
    except (InputError, MappingError) as exc:
        return await _failed(run, item.case_id, classify(exc))
    except FHIRError as exc:  # the search for the client's Patient
        if stops_the_run(exc):
            raise
        return await _failed(run, item.case_id, classify(exc))
    if isinstance(step, Held):
        return CaseOutcome(step.case_id, CaseStatus.HELD)
    if isinstance(step, Unchanged):
        if step.fast:
            await run.unchanged.add(item.case_id, step.total, step.moved_to)
            run.fast_unchanged.add(item.case_id)
        return CaseOutcome(
            step.case_id, CaseStatus.UNCHANGED, unchanged=step.total, kept=step.kept,
            left_out=step.left_out,
        )  # fmt: skip
    plan = step.plan
    if run.adopting and not adopted and (held := await held_resources(run.client, plan)):
        await run.call(run.ledger.adopt, run.run_id, run.server, held)
        return await _push_case(run, item, again=again, adopted=True)
    try:
        sent = await CaseSender(run.client, run.ride).send(plan.send)
    except FHIRError as exc:
        if stops_the_run(exc):
            raise  # the case stays as it is in the ledger: the next push sends it again
        failure = classify(exc)
        if not again and failure.reason is ReasonCode.DANGLING_REFERENCE and await _lost(run, plan):
            return await _push_case(run, item, again=True)
        alone = [(p.key, failure.outcome) for p in plan.send] if len(plan.send) == 1 else []
        if not again and await _refused_type(run, alone):
            return await _push_case(run, item, again=True)
        return await _failed(run, plan.case_id, failure, [p.key for p in plan.send])
    dangling = any(f.reason is ReasonCode.DANGLING_REFERENCE for _, f in sent.failed)
    if dangling and not again and await _lost(run, plan):
        return await _push_case(run, item, again=True)
    # The file as pushed, not the rebased case: the next push tells what the file itself
    # changed by comparing against it.
    snapshot = item.document if isinstance(item.document, dict) else None
    if snapshot is not None and sent.failed:
        snapshot = await run.call(landed_of, run, plan.case_id, snapshot, sent)
    mapping = run.mapping if step.as_filed else None
    taken = None
    if sent.merges:  # the server's elements a merge wrote belong in the stored case too
        taken = await run.call(taken_from_server, step.case, sent, namespace=run.namespace)
    outcome = await run.call(
        record_sent, run.ledger, run.run_id, run.server, plan, sent, snapshot, mapping,
        taken, item.source,
    )  # fmt: skip
    outcome = dataclasses.replace(outcome, kept=step.kept, left_out=step.left_out)
    # A type the server does not support: what landed is recorded; the case goes again without it
    if not again and await _refused_type(run, [(k, f.outcome) for k, f in sent.failed]):
        return after_retry(outcome, await _push_case(run, item, again=True))
    return outcome


async def _lost(run: PushRun, plan: CasePlan) -> bool:
    """A reference the server calls dangling points at something the ledger says is there."""
    claimed = [ResourceKey(r.resource_type, r.resource_id) for r in plan.unchanged]
    claimed += [p.key for p in plan.send if p.if_match is not None]
    return await forget_absent(run.client, run.ledger, plan.case_id, claimed)


async def _refused_type(run: PushRun, failures: list[tuple[ResourceKey, Any]]) -> bool:
    """The server refused an optional type as not supported: remembered for this server (the
    case is then sent again without it, and so are the cases after it)."""
    kinds = refused_types(failures) - run.selection.left_out
    if not kinds:
        return False
    log.warning("the server does not support %s: left out from now on", ", ".join(sorted(kinds)))
    refused = await run.call(learn_refused, run.ledger, run.server, kinds)
    run.selection = run.selection.without(refused)
    return True


async def _failed(
    run: PushRun, case_id: str, failure: Failure, keys: Sequence[tuple[str, str]] = ()
) -> CaseOutcome:
    message = failure.message
    try:
        await run.call(
            run.ledger.record_failure,
            run.run_id,
            run.server,
            case_id,
            reason=failure.reason,
            error_class=failure.error_class,
            message=failure.message,
            outcome=failure.outcome,
            status=failure.status,
            server_code=failure.server_code,
            resources=keys,
        )
    except LedgerError as exc:  # not even a dead letter: the case's one line says so
        if failure.reason is not ReasonCode.LEDGER_ERROR:
            message += f" (no dead letter recorded: {exc})"
    return CaseOutcome(case_id, CaseStatus.FAILED, reason=failure.reason, message=message)


def _done(run: PushRun, outcome: CaseOutcome) -> CaseOutcome:
    # Case ids are internal identifiers, not patient data; messages carry codes and paths only.
    fields = {"event": "case_pushed", "run_id": run.run_id, "case_id": outcome.case_id}
    counts = {"status": str(outcome.status), "written": outcome.written}
    counts |= {"unchanged": outcome.unchanged, "failed": outcome.failed}
    reason = {"reason": str(outcome.reason)} if outcome.reason is not None else {}
    log.info("%s", outcome.describe(), extra=fields | counts | reason)
    if run.on_case is not None:
        run.on_case(outcome)
    return outcome

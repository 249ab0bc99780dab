"""Referrals into case management (Gravity, the performer's side): claim the Tasks addressed to
the case-management organization, open a ``referred`` case from each, and answer them.

- **Claim** (:func:`claim`): ``Task?owner=<organization>&status=requested``; each ``fulfill``
  Task not claimed before opens a case (Task + focus ServiceRequest + Patient, by
  :func:`adapter.mappings.resources.inbound_referral.case_from_referral`) kept in the case
  store, so push and pull work with it; the ledger remembers Task -> case. A Task that cannot
  be read or mapped is reported with its reason; the others go on.
- **Cancellation by a second Task** (``code=abort``, ``focus`` = the referral Task): a referral
  not yet in progress (requested, accepted) is set ``cancelled``, the abort Task ``completed``
  and the case (referred or screening) cancelled; a referral in progress or ended refuses the
  abort (``rejected``, with a reason). A referral whose ServiceRequest is no longer active
  (revoked, completed) is not claimed.
- **Answers** (:func:`answer`): status-only updates of the server's Task (``status``,
  ``statusReason``, ``output``; nothing else is touched), each conditional on the version read
  (``If-Match``), checked against the server's answer; a Task someone else changed meanwhile is
  read again once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from adapter.errors import AdapterError, InputError, VersionConflict
from adapter.fhir import FHIRClient
from adapter.mappings.datatypes import find_coding
from adapter.mappings.resources.gravity import TASK_CODE, outcome_output
from adapter.mappings.resources.inbound_referral import case_from_referral, referenced_id
from adapter.model.case import Case
from adapter.model.codes import CaseStatus, ProgramType
from adapter.sync.intake import stored_version
from adapter.sync.ledger import Ledger
from adapter.sync.referrals.sources import ReferralSources

__all__ = ["ANSWERS", "ClaimReport", "answer", "claim", "referral_case_id"]

#: The performer's answers, and the Task statuses each may follow (Gravity's state table).
ANSWERS: Mapping[str, frozenset[str]] = {
    "accepted": frozenset({"requested", "received"}),
    "rejected": frozenset({"requested", "received"}),
    "in-progress": frozenset({"accepted", "on-hold"}),
    "on-hold": frozenset({"accepted", "in-progress"}),
    "completed": frozenset({"accepted", "in-progress"}),
    "failed": frozenset({"accepted", "in-progress", "on-hold"}),
}
_NOT_STARTED = frozenset({"requested", "received", "accepted"})
_OPEN_REQUEST = frozenset({"active", "draft", "on-hold"})


@dataclass
class ClaimReport:
    claimed: list[tuple[str, str]] = field(default_factory=list)  # (Task id, case id)
    cancelled: list[tuple[str, str]] = field(default_factory=list)  # (abort Task id, case id)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (Task id, reason)
    known: int = 0  # requested Tasks claimed before


def referral_case_id(task_id: str) -> str:
    """The case number an inbound referral opens: ``REF-<Task id>`` (within 64 characters)."""
    return f"REF-{task_id}"[:64]


async def claim(
    client: FHIRClient,
    ledger: Ledger,
    *,
    server: str,
    organization: str,
    program: ProgramType,
    today: date,
    sources: ReferralSources | None = None,
) -> ClaimReport:
    """Claim what waits for ``organization`` (see the module docstring). ``sources`` reads
    what a Task points at on other servers (:mod:`.sources`); without it, only this one."""
    report = ClaimReport()
    sources = sources or ReferralSources(client, None, None)
    waiting = [
        task
        async for task in client.search(
            "Task", {"owner": organization, "status": "requested"}, no_cache=True
        )
    ]
    aborted = set()
    for task in (t for t in waiting if _code(t) == "abort"):
        target = await _abort(client, ledger, task, server=server, today=today, report=report)
        aborted.add(target)
    for task in waiting:
        if _code(task) != "fulfill" or str(task.get("id")) in aborted:
            continue
        if ledger.inbound_referral(server, str(task["id"])) is not None:
            report.known += 1
            continue
        try:
            case = await _open_case(sources, task, program=program, today=today)
        except AdapterError as exc:
            report.refused.append((str(task.get("id")), str(exc)))
            continue
        document = case.model_dump(mode="json", exclude_none=True, by_alias=True)
        ledger.put_case(case.id, document, source=f"referral Task/{task['id']}")
        version = str((task.get("meta") or {}).get("versionId") or "") or None
        ledger.record_inbound_referral(server, str(task["id"]), case.id, "requested", version)
        report.claimed.append((str(task["id"]), case.id))
    return report


async def answer(
    client: FHIRClient,
    ledger: Ledger,
    *,
    server: str,
    case_id: str,
    status: str,
    reason: str | None = None,
    outcome: str | None = None,
    today: date,
) -> dict[str, Any]:
    """Write the performer's ``status`` to the referral Task of ``case_id``; return the Task as
    written. ``rejected`` needs a ``reason``; the case follows (rejected: cancelled,
    accepted: screening) when it has not moved on already."""
    record = f"case {case_id}"
    if status not in ANSWERS:
        raise InputError(
            record=record, field="status", reason=f"not a performer's answer: {status}"
        )
    if status == "rejected" and not reason:
        raise InputError(
            record=record, field="reason", reason="a rejection needs a reason (Task.statusReason)"
        )
    claimed = ledger.inbound_referral_of_case(case_id)
    if claimed is None or claimed.server_url != server:
        raise InputError(
            record=record, field="referral", reason="no referral claimed from this server opened it"
        )
    written = await _move(
        client, claimed.task_id, status, reason=reason, outcome=outcome, record=record
    )
    version = str(written.get("meta", {}).get("versionId") or "") or None
    ledger.record_inbound_referral(server, claimed.task_id, case_id, status, version)
    follows = {"rejected": CaseStatus.CANCELLED, "accepted": CaseStatus.SCREENING}
    if status in follows:
        _case_to(ledger, case_id, follows[status], today=today)
    return written


async def _move(
    client: FHIRClient,
    task_id: str,
    status: str,
    *,
    reason: str | None,
    outcome: str | None,
    record: str,
) -> dict[str, Any]:
    """One status-only update with If-Match; read again once if the Task changed meanwhile."""
    for attempt in (1, 2):
        task = dict(await client.read("Task", task_id))
        current = str(task.get("status"))
        if current == status:
            return task  # answered already (a run that died before its ledger write)
        if current not in ANSWERS[status]:
            raise InputError(
                record=record,
                field="referral",
                reason=f"the Task is {current}; {status} cannot follow",
            )
        if outcome:
            task["output"] = [*task.get("output", []), outcome_output(outcome)]
        try:
            return await _write(client, task, status, reason, record)
        except VersionConflict:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


async def _write(
    client: FHIRClient, task: dict[str, Any], status: str, reason: str | None, record: str
) -> dict[str, Any]:
    """PUT ``task`` with ``status`` (and ``statusReason``) if still at the version read; the
    answer must show the new status at a new version."""
    version = str((task.get("meta") or {}).get("versionId"))
    task = {**task, "status": status}
    if reason:
        task["statusReason"] = {"text": reason}
    result = await client.update(task, if_match=version)
    body = dict(result.resource or {})
    if body.get("status") != status or str(result.version_id) == version:
        raise InputError(
            record=record, field="status", reason="the server's answer does not show the update"
        )
    return body


async def _open_case(
    sources: ReferralSources, task: Mapping[str, Any], *, program: ProgramType, today: date
) -> Case:
    request, _ = await sources.read(task.get("focus"), "ServiceRequest", element="Task.focus")
    if request.get("status") not in _OPEN_REQUEST:
        raise InputError(
            record=f"Task/{task.get('id')}",
            field="focus",
            reason=f"the ServiceRequest is {request.get('status')}, not active",
        )
    patient, here = await sources.read(task.get("for"), "Patient", element="Task.for")
    return case_from_referral(
        task,
        request,
        patient,
        case_id=referral_case_id(str(task["id"])),
        program=program,
        today=today,
        patient_here=here,
    )


async def _abort(
    client: FHIRClient,
    ledger: Ledger,
    abort: Mapping[str, Any],
    *,
    server: str,
    today: date,
    report: ClaimReport,
) -> str | None:
    """Honour a cancellation Task whose focus is a referral addressed to us; return the
    referral Task's id (not to be claimed now), None when the abort names none."""
    try:
        target = referenced_id(abort.get("focus"), "Task", element="Task.focus")
        original = dict(await client.read("Task", target))
    except AdapterError as exc:
        report.refused.append((str(abort.get("id")), str(exc)))
        return None
    claimed = ledger.inbound_referral(server, target)
    case_id = claimed.case_id if claimed is not None else ""
    record = f"abort Task/{abort.get('id')}"
    if original.get("status") in _NOT_STARTED:
        await _write(client, original, "cancelled", None, record)
        await _write(client, dict(abort), "completed", None, record)
        if claimed is not None:
            ledger.record_inbound_referral(server, target, case_id, "cancelled", None)
            _case_to(ledger, case_id, CaseStatus.CANCELLED, today=today)
        report.cancelled.append((str(abort["id"]), case_id))
        return target
    why = f"the referral is {original.get('status')}; it can no longer be cancelled"
    await _write(client, dict(abort), "rejected", why, record)
    report.refused.append((str(abort["id"]), why))
    return target


#: The case statuses an answer moves a case from (a case further on is left as it is).
_BEFORE: Mapping[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.SCREENING: frozenset({CaseStatus.REFERRED}),
    CaseStatus.CANCELLED: frozenset({CaseStatus.REFERRED, CaseStatus.SCREENING}),
}


def _case_to(ledger: Ledger, case_id: str, status: CaseStatus, *, today: date) -> None:
    """Move a stored inbound case on (cancelled: closed today), unless it has moved on."""
    found = ledger.get_case(case_id)
    case = stored_version(None if found is None else found.document)
    before = _BEFORE[status]
    if case is None or case.status not in before:
        return
    update: dict[str, Any] = {"status": status.value}
    if status is CaseStatus.CANCELLED:
        update["closed_on"] = today.isoformat()
    document = case.model_dump(mode="json", exclude_none=True, by_alias=True) | update
    ledger.put_case(case_id, document, source="referral answer")


def _code(task: Mapping[str, Any]) -> str | None:
    coding = find_coding(task.get("code"), TASK_CODE)
    return None if coding is None else str(coding.get("code"))

"""Writing a case's referral Tasks to the performer's server (``ADAPTER_REFERRAL_TASK_SERVER``)
after the case itself landed on its own server (:mod:`adapter.sync.referrals.remote` has the
pure parts; docs/referrals.md, G8).

Per referral Task of the stored case: its references made absolute on the case's server
(through the server's ids where that server assigns them); unchanged since the Task server last
confirmed it (the ledger's hash): nothing sent. Else: never written there, a create conditional
on the Task's business identifier (a retry, or a Task written before the ledger knew it, finds
the one there); known there, the performer's copy read, ours merged onto it (Task.status owned
per value) and written with ``If-Match``, read again once if it moved meanwhile. Every answer is
checked against what was sent (id, version, status, references) and only then recorded, keyed
by the Task server. A failure leaves the Task pending (recorded with its reason, returned as a
line naming the case and task): the case stays pushed and the next push tries again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from adapter.errors import (
    AdapterError,
    FHIRStatusError,
    ResourceNotFound,
    ResponseError,
    VersionConflict,
)
from adapter.fhir import FHIRClient
from adapter.mappings.bundle import case_to_resources
from adapter.sync.hashing import content_hash
from adapter.sync.intake import stored_version
from adapter.sync.ledger import Ledger
from adapter.sync.ledger.referral_tasks import ReferralTask
from adapter.sync.referrals.remote import absolute, answer_problem, merged, split_referrals
from adapter.sync.resources import meta_version
from adapter.sync.server_ids import ServerIdClient

__all__ = ["ReferralWrites", "desired_tasks", "write_referral_tasks"]

log = logging.getLogger(__name__)
_WRITE_ROUNDS = 2  # a version conflict: the performer's copy read again once


@dataclass
class ReferralWrites:
    """What one case's referral Tasks came to: written (count) and pending (one line each)."""

    written: int = 0
    pending: list[str] = field(default_factory=list)


def desired_tasks(
    document: Mapping[str, Any] | None, case_client: FHIRClient, namespace: str | None
) -> dict[str, dict[str, Any]]:
    """The stored case's referral Tasks as the performer's server gets them, by case task id."""
    case = stored_version(document)
    if case is None:
        return {}
    _, tasks = split_referrals(case_to_resources(case, namespace=namespace))
    base = str(case_client.base.url)
    found = {}
    for task in tasks:
        record_id = str(task["identifier"][0]["value"]).rpartition("/")[2]
        body = task
        if isinstance(case_client, ServerIdClient):  # references by the case server's ids
            body = case_client.ids.to_server(task)
        body = absolute(body, base)
        body.pop("id", None)
        found[record_id] = body
    return found


async def write_referral_tasks(
    tasks: FHIRClient,
    case_client: FHIRClient,
    ledger: Ledger,
    *,
    case_id: str,
    namespace: str | None,
    only_pending: bool = False,
) -> ReferralWrites:
    """Bring the case's referral Tasks on ``tasks`` (the performer's server) in step with the
    stored case; ``only_pending``: nothing to do unless a write of this case failed before."""
    server = str(tasks.base.url)
    rows = {r.record_id: r for r in ledger.referral_tasks(server, case_id)}
    outcome = ReferralWrites()
    if only_pending and not any(r.pending for r in rows.values()):
        return outcome
    found = ledger.get_case(case_id)
    wanted = desired_tasks(found.document if found else None, case_client, namespace)
    for record_id, body in wanted.items():
        row = rows.get(record_id)
        digest = content_hash(body)
        if row is not None and row.content_hash == digest and not row.pending:
            continue
        try:
            outcome.written += await _write(tasks, ledger, server, case_id, record_id, body, row)
        except AdapterError as exc:
            reason = _reason(exc)
            ledger.referral_task_pending(server, case_id, record_id, reason)
            outcome.pending.append(
                f"case {case_id} task {record_id}: the referral Task is not on {server} yet "
                f"(retried by the next push): {reason}"
            )
            log.warning("case %s task %s: referral Task pending", case_id, record_id)
    return outcome


async def _write(
    tasks: FHIRClient,
    ledger: Ledger,
    server: str,
    case_id: str,
    record_id: str,
    body: dict[str, Any],
    row: ReferralTask | None,
) -> int:
    """One referral Task written (1) or found as it should be (0), and recorded."""
    digest, ours = content_hash(body), str(body.get("status"))
    task_id = row.task_id if row is not None else None
    if task_id is None:
        ident = body["identifier"][0]
        query = {"identifier": f"{ident['system']}|{ident['value']}"}
        result = await tasks.create(body, if_none_exist=query)
        answer = dict(result.resource or {})
        if not result.id or not result.version_id:
            raise ResponseError("the server's answer names no Task id and version")
        if result.created:
            _check(body, answer)
            _record(ledger, server, case_id, record_id, str(result.id), answer, digest, ours)
            return 1
        task_id = str(result.id)  # there already (an earlier write whose answer was lost)
    last = row.status if row is not None else None
    for _ in range(_WRITE_ROUNDS):
        try:
            current = await tasks.read("Task", task_id)
        except ResourceNotFound:
            if row is None:
                raise
            # the performer's server lost it (or deleted it): written anew
            return await _write(tasks, ledger, server, case_id, record_id, body, None)
        version = meta_version(current)
        wanted = merged({**body, "id": task_id}, current, last or ours)
        if wanted is None:
            raise ResponseError(
                f"Task/{task_id} status {current.get('status')!r} on the performer's server "
                f"against ours {body.get('status')!r}: a person must settle it"
            )
        if _same(wanted, current):
            _record(ledger, server, case_id, record_id, task_id, current, digest, ours)
            return 0
        try:
            result = await tasks.update(wanted, if_match=version)
        except VersionConflict:
            continue  # the performer wrote meanwhile: read again
        answer = dict(result.resource or {})
        if str(result.id) != task_id or not result.version_id or result.version_id == version:
            raise ResponseError(f"the server's answer does not show Task/{task_id} updated")
        _check(wanted, answer)
        _record(ledger, server, case_id, record_id, task_id, answer, digest, ours)
        return 1
    raise ResponseError(f"Task/{task_id} kept changing on the performer's server")


def _check(sent: Mapping[str, Any], answer: Mapping[str, Any]) -> None:
    problem = answer_problem(sent, answer)
    if problem is not None:
        raise ResponseError(problem)


def _same(wanted: Mapping[str, Any], current: Mapping[str, Any]) -> bool:
    strip = ("meta", "text")
    left = {k: v for k, v in wanted.items() if k not in strip}
    right = {k: v for k, v in current.items() if k not in strip}
    return content_hash(left) == content_hash(right)


def _record(
    ledger: Ledger,
    server: str,
    case_id: str,
    record_id: str,
    task_id: str,
    confirmed: Mapping[str, Any],
    digest: str,
    status: str,
) -> None:
    """``confirmed`` (the server's Task) as the version of our mapping (``digest``, with our
    ``status``: what the next write compares the performer's status against)."""
    version = meta_version(confirmed)
    if version is None:
        raise ResponseError(f"the server's Task/{task_id} carries no version")
    ledger.record_referral_task(
        server, case_id, record_id, task_id=task_id, version=version, content_hash=digest,
        status=status,
    )  # fmt: skip


def _reason(exc: AdapterError) -> str:
    """Why a write failed, without the server's words (they may quote patient data): the
    status and code it answered, or our own message (ids, elements, codes)."""
    name = type(exc).__name__
    if isinstance(exc, FHIRStatusError):
        return f"{name}: HTTP {exc.status} {exc.server_code or ''}".rstrip()
    if isinstance(exc, ResponseError):
        return f"{name}: {exc}"[:300]
    return name  # a transport failure after the retries

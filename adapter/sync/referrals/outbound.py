"""Cancelling an outbound referral the performer has already taken on (Gravity SDOH Clinical Care):
the requester may set ``cancelled`` itself only while the referral Task is ``requested`` or
``received``; once the performer has ``accepted`` it (or started, or put it on hold) the
requester asks with a second Task, ``code=abort``, ``focus`` = the referral, and the performer
answers it.

- **push** (:func:`hold_started_cancels`): a referral task the case manager newly cancels (the
  stored case does not say cancelled) is looked up on the server. Still requested or received:
  the push writes ``cancelled`` as before. Accepted, in progress or on hold: an abort Task is
  created (conditional on its identifier, so a retry finds it), kept in the ledger, and the
  case goes on with the task's stored status until the performer answers; the push reports
  ``tasks[i].status`` as kept.
- **pull** (:func:`settle_aborts`): each abort still waiting is read. ``completed``: the
  referral Task is cancelled (the adapter writes ``cancelled`` with ``If-Match`` unless the
  performer has already) and so is the stored case's task. ``rejected`` / ``failed`` /
  ``cancelled``: the referral goes on. Anything else: still waiting.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from adapter.errors import AdapterError, ResourceNotFound, ResponseError
from adapter.fhir import FHIRClient
from adapter.mappings.bundle import case_to_resources
from adapter.mappings.resources.gravity import ABORT_IDENTIFIER, abort_task, is_abort
from adapter.model.validation import parse_case
from adapter.sync.intake import stored_version
from adapter.sync.ledger import Ledger
from adapter.sync.resources import reference_key
from adapter.sync.server_ids import ServerIdClient

__all__ = ["HELD_BY_PERFORMER", "AbortAnswer", "hold_started_cancels", "settle_aborts"]

log = logging.getLogger(__name__)

#: Referral Task statuses in which only an abort Task may cancel (the performer holds the work).
HELD_BY_PERFORMER = frozenset({"accepted", "in-progress", "on-hold"})
_REFUSED = frozenset({"rejected", "failed", "cancelled"})
_ENDED = frozenset({"completed", "failed", "rejected", "cancelled", "entered-in-error"})


@dataclass(frozen=True, slots=True)
class AbortAnswer:
    """The performer's answer to one abort Task (ids only)."""

    case_id: str
    record_id: str
    abort_id: str
    status: str  # completed | rejected | failed | cancelled

    def line(self) -> str:
        verdict = "cancelled" if self.status == "completed" else "goes on"
        return (
            f"case {self.case_id} task {self.record_id}: the performer answered the "
            f"cancellation (Task/{self.abort_id}) {self.status}; the referral {verdict}"
        )


async def hold_started_cancels(
    client: FHIRClient,
    ledger: Ledger,
    *,
    server: str,
    namespace: str | None,
    document: Mapping[str, Any],
    tasks: FHIRClient | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """``document`` with each newly cancelled referral the performer holds put back to its
    stored status, an abort Task sent for it; and the paths kept (``tasks[i].status``).
    ``tasks``: the performer's server the referral Tasks live on (ADAPTER_REFERRAL_TASK_SERVER),
    where the referral is read and the abort Task goes (None: ``client``'s server)."""
    tasks_of = list(document.get("tasks") or [])
    if not any(isinstance(t, Mapping) and _cancelled_referral(t) for t in tasks_of):
        return dict(document), []  # the usual case: no ledger read, no request
    if document.get("status") in ("closed", "cancelled"):
        # Closing the case ends its services: its referrals are cancelled outright (a closed
        # case holds no open task), not held open behind an abort Task.
        return dict(document), []
    found = ledger.get_case(str(document.get("id")))
    stored = found.document if found is not None else None
    before = {t.get("id"): t for t in (stored or {}).get("tasks", [])}
    wanted = [
        i
        for i, t in enumerate(tasks_of)
        if isinstance(t, Mapping) and _cancelled_referral(t)
        if before.get(t.get("id"), {}).get("status") not in (None, "cancelled")
    ]
    if not wanted:
        return dict(document), []
    try:
        case = parse_case(dict(document))
    except AdapterError:
        return dict(document), []  # the push reports what is wrong with it
    ours = {  # Task by business identifier value (its system changes with the namespace)
        str(i.get("value")): r
        for r in case_to_resources(case, namespace=namespace)
        if r["resourceType"] == "Task"
        for i in r.get("identifier", [])
    }
    kept: list[str] = []
    target = _Target(client, server)
    if tasks is not None:
        target = _Target(tasks, str(tasks.base.url), remote=True)
    remote = {} if tasks is None else _remote_ids(ledger, target.server, case.id)
    for i in wanted:
        task = tasks_of[i]
        resource = ours.get(f"{case.id}/{task['id']}")
        if tasks is not None:  # the Task's id on the performer's server, if written there
            remote_id = remote.get(task["id"])
            resource = None if remote_id is None else {"id": remote_id}
        if resource is None or not await _abort(target, ledger, case.id, task, resource):
            continue
        was = before[task["id"]]
        tasks_of[i] = {k: v for k, v in task.items() if k not in ("status", "status_reason")}
        tasks_of[i] |= {k: was[k] for k in ("status", "status_reason") if k in was}
        kept.append(f"tasks[{i}].status")
    return {**document, "tasks": tasks_of}, kept


@dataclass(frozen=True, slots=True)
class _Target:
    """Where the referral Tasks live: the client and its server's URL (the ledger's key)."""

    client: FHIRClient
    server: str
    remote: bool = False  # the performer's server, not the case's


def _remote_ids(ledger: Ledger, server: str, case_id: str) -> dict[str, str]:
    """Case task id -> the referral Task's id on the performer's server."""
    return {r.record_id: r.task_id for r in ledger.referral_tasks(server, case_id) if r.task_id}


def _cancelled_referral(task: Mapping[str, Any]) -> bool:
    return bool(task.get("service")) and task.get("status") == "cancelled"


async def _abort(
    target: _Target,
    ledger: Ledger,
    case_id: str,
    task: Mapping[str, Any],
    resource: Mapping[str, Any],
) -> bool:
    """Send (or find) the abort Task when the performer holds the referral; whether it did."""
    client, server = target.client, target.server
    try:
        referral = await client.read("Task", str(resource["id"]))
    except ResourceNotFound:
        return False  # not on the server (yet): the push writes the Task as the case says
    if referral.get("status") not in HELD_BY_PERFORMER:
        return False
    task_id = str(resource["id"])
    sent = ledger.outbound_aborts(server, task_id=task_id)
    if any(a.status == "requested" for a in sent):
        return True  # asked already; waiting for the performer's answer
    body = abort_task(
        referral,
        attempt=len(sent) + 1,
        authored=datetime.now(UTC).isoformat(timespec="seconds"),
        reason=task.get("status_reason"),
    )
    if isinstance(client, ServerIdClient):  # a create is not translated: the server's ids
        body = client.ids.to_server(body)
    if target.remote:  # on the performer's server: every reference absolute (Gravity)
        body["focus"] = {"reference": f"{server.rstrip('/')}/Task/{task_id}"}
    value = body["identifier"][0]["value"]
    result = await client.create(body, if_none_exist={"identifier": f"{ABORT_IDENTIFIER}|{value}"})
    written = dict(result.resource or {})
    focus = reference_key(str((written.get("focus") or {}).get("reference")))
    if not is_abort(written) or focus != reference_key(body["focus"]["reference"]) or not result.id:
        raise ResponseError("the server's answer does not show the cancellation Task sent")
    ledger.record_outbound_abort(
        server, str(result.id), task_id=task_id, case_id=case_id, record_id=task["id"]
    )
    log.info(
        "case %s task %s: the performer holds the referral; abort Task sent", case_id, task["id"]
    )
    return True


async def settle_aborts(client: FHIRClient, ledger: Ledger, *, server: str) -> list[AbortAnswer]:
    """Read the answers to the aborts still waiting on ``server`` (see the module docstring)."""
    answers = []
    for sent in ledger.outbound_aborts(server):
        if sent.status != "requested":
            continue
        status = str((await client.read("Task", sent.abort_id)).get("status"))
        if status == "completed":
            await _cancel_referral(client, sent.task_id)
            _cancel_stored(ledger, sent.case_id, sent.record_id)
        elif status not in _REFUSED:
            continue  # not answered yet
        ledger.settle_outbound_abort(server, sent.abort_id, status)
        answers.append(AbortAnswer(sent.case_id, sent.record_id, sent.abort_id, status))
    return answers


async def _cancel_referral(client: FHIRClient, task_id: str) -> None:
    """The performer agreed: the referral Task ``cancelled`` (unless it already ended)."""
    referral = dict(await client.read("Task", task_id))
    if referral.get("status") in _ENDED:
        return
    version = str((referral.get("meta") or {}).get("versionId"))
    result = await client.update({**referral, "status": "cancelled"}, if_match=version)
    body = result.resource or {}
    if body.get("status") != "cancelled" or str(result.version_id) == version:
        raise ResponseError("the server's answer does not show the referral cancelled")


def _cancel_stored(ledger: Ledger, case_id: str, record_id: str) -> None:
    """The stored case's task ``cancelled`` (unless it ended meanwhile)."""
    found = ledger.get_case(case_id)
    case = stored_version(None if found is None else found.document)
    if case is None:
        return
    document = case.model_dump(mode="json", exclude_none=True, by_alias=True)
    for task in document.get("tasks", []):
        if task.get("id") == record_id and task.get("status") not in _ENDED:
            task["status"] = "cancelled"
            ledger.put_case(case_id, document, source="referral cancellation answered")

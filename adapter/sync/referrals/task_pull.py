"""The performer's answers to referral Tasks kept on its own server
(``ADAPTER_REFERRAL_TASK_SERVER``), read by ``adapter pull`` into the stored cases.

Each referral Task the ledger holds for the Task server is read; a version other than the one
recorded carries the performer's change. Task.status is owned per value (Gravity,
:mod:`adapter.sync.ownership`): a performer's value (accepted, in-progress, completed ...)
reachable from the stored task's status is taken into the stored case, with ``statusReason``
and the ``resulting-activity`` outcome; a requester's value set there by someone else
(cancelled, requested) is never applied and reported, and the next push writes ours back. The
ledger then holds the version read and the hash of the Task as the updated case maps it, so the
next push sends nothing for it. A referral that is over (completed, failed, rejected, cancelled)
is not read again: each pull costs one read per open referral.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from adapter.errors import AdapterError, InputError
from adapter.fhir import FHIRClient
from adapter.mappings.resources.gravity import outcome_from_outputs
from adapter.mappings.terminology import table
from adapter.model.transitions import StatusKind
from adapter.model.validation import parse_case
from adapter.sync.case_changes import reachable
from adapter.sync.hashing import content_hash
from adapter.sync.intake import stored_version
from adapter.sync.ledger import Ledger
from adapter.sync.ledger.referral_tasks import ReferralTask
from adapter.sync.ownership import performer_may_set
from adapter.sync.referrals.outbound import AbortAnswer, settle_aborts
from adapter.sync.referrals.task_server import desired_tasks
from adapter.sync.resources import meta_version

__all__ = ["TaskAnswer", "pull_referral_tasks", "referral_answers"]

log = logging.getLogger(__name__)
#: A referral in one of these is over: a pull no longer reads its Task.
_ENDED = frozenset({"completed", "failed", "rejected", "cancelled", "entered-in-error"})


@dataclass(frozen=True, slots=True)
class TaskAnswer:
    """One referral Task the performer changed on its server (ids and codes only)."""

    case_id: str
    record_id: str
    task_id: str
    status: str
    applied: bool
    why: str = ""

    def line(self) -> str:
        head = f"case {self.case_id} task {self.record_id} (Task/{self.task_id} on the performer's"
        if self.applied:
            return f"{head} server): {self.status}"
        return f"{head} server) says {self.status}: not applied ({self.why})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "task_id": self.record_id,
            "server_task": f"Task/{self.task_id}",
            "status": self.status,
            "applied": self.applied,
            "why": self.why or None,
        }


async def referral_answers(
    client: FHIRClient, ledger: Ledger, tasks: FHIRClient | None, *, namespace: str | None
) -> tuple[list[AbortAnswer], list[TaskAnswer]]:
    """What a pull reads of the outbound referrals first: the answers to the cancellation
    Tasks, and with the Tasks on the performer's server (``tasks``), its changes to them."""
    if tasks is None:
        return await settle_aborts(client, ledger, server=str(client.base.url)), []
    aborts = await settle_aborts(tasks, ledger, server=str(tasks.base.url))
    return aborts, await pull_referral_tasks(tasks, client, ledger, namespace=namespace)


async def pull_referral_tasks(
    tasks: FHIRClient, case_client: FHIRClient, ledger: Ledger, *, namespace: str | None
) -> list[TaskAnswer]:
    """Read the referral Tasks on ``tasks`` and take the performer's changes (module docstring).
    ``case_client``: the case's server (the Tasks' references, as the push writes them)."""
    server = str(tasks.base.url)
    answers = []
    for row in ledger.referral_tasks(server):
        if row.task_id is None or row.status in _ENDED:
            continue  # never written there (pending), or over: nothing to read
        current = await tasks.read("Task", row.task_id)
        version = meta_version(current)
        if version is None or version == row.version:
            continue
        answer = _apply(ledger, row, current)
        found = ledger.get_case(row.case_id)
        wanted = desired_tasks(found.document if found else None, case_client, namespace)
        body = wanted.get(row.record_id)
        if body is not None:
            ledger.record_referral_task(
                server, row.case_id, row.record_id, task_id=row.task_id, version=version,
                content_hash=content_hash(body), status=str(body.get("status")),
            )  # fmt: skip
        if answer is not None:
            answers.append(answer)
    return answers


def _apply(ledger: Ledger, row: ReferralTask, current: dict[str, Any]) -> TaskAnswer | None:
    """The performer's status (and reason, outcome) taken into the stored case."""
    assert row.task_id is not None
    status = str(current.get("status"))
    found = ledger.get_case(row.case_id)
    case = stored_version(found.document if found is not None else None)
    if case is None:
        return None
    document = case.model_dump(mode="json", exclude_none=True, by_alias=True)
    task = next((t for t in document.get("tasks", []) if t.get("id") == row.record_id), None)
    if task is None:
        return None

    def answer(applied: bool, why: str = "") -> TaskAnswer:
        return TaskAnswer(row.case_id, row.record_id, row.task_id or "", status, applied, why)

    if status == row.status:
        return None  # the performer changed something else, or nothing of its own
    try:
        value = table("task-status").from_fhir(status, resource="Task", element="Task.status")
    except AdapterError:
        return answer(False, "a status the case model does not know")
    if task.get("status") == value:
        return None  # the stored case says so already (a cancellation the performer agreed to)
    if not performer_may_set("Task", "status", status):
        return answer(False, "a requester's status, not the performer's to set")
    if not reachable(StatusKind.TASK, task["status"], value):
        return answer(False, f"the stored task is {task['status']}")
    task["status"] = value
    reason = (current.get("statusReason") or {}).get("text")
    if reason:
        task["status_reason"] = reason
    outcome = outcome_from_outputs(current.get("output") or [])
    if outcome:
        task["outcome"] = outcome
        if not _valid(document):  # a task not started has no outcome yet
            del task["outcome"]
    if not _valid(document):
        return answer(False, "the case would not be valid with it")
    ledger.put_case(row.case_id, document, source="referral Task server")
    log.info("case %s task %s: the performer's %s taken", row.case_id, row.record_id, status)
    return answer(True)


def _valid(document: dict[str, Any]) -> bool:
    try:
        parse_case(document)
    except InputError:
        return False
    return True

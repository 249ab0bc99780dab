"""May we write? A probe that asks the server without changing anything.

The probe is a transaction Bundle with two PUTs of the same new Task id. FHIR requires a server
to reject a transaction whose entries overlap in identity, and a transaction fails as a whole,
so a server that lets us write answers 400 (HAPI: ``HAPI-0535``) and stores nothing, while one
that does not let us write answers 401 or 403 first. The Task is never stored: should a server
commit the bundle anyway, the probe deletes what it created and says so.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from typing import Any, Literal

from adapter.errors import AccessDenied, FHIRStatusError
from adapter.fhir.client import FHIRClient

__all__ = ["WriteProbe", "probe_write"]

Verdict = Literal["allowed", "refused", "unknown"]


@dataclass(frozen=True)
class WriteProbe:
    """What the probe found: ``verdict``, the HTTP status and server code it saw, in words."""

    verdict: Verdict
    status: int | None
    server_code: str | None
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _probe_bundle(task_id: str) -> dict[str, Any]:
    task = {"resourceType": "Task", "id": task_id, "status": "draft", "intent": "proposal"}
    entry = {"resource": task, "request": {"method": "PUT", "url": f"Task/{task_id}"}}
    return {"resourceType": "Bundle", "type": "transaction", "entry": [entry, entry]}


async def probe_write(client: FHIRClient, *, task_id: str | None = None) -> WriteProbe:
    """Ask whether the server accepts our writes, leaving nothing behind (``task_id``: the
    probe's id, a fresh random one by default)."""
    task_id = task_id or f"cm-write-probe-{uuid.uuid4().hex[:20]}"
    try:
        await client.transaction(_probe_bundle(task_id))
    except AccessDenied as exc:
        return WriteProbe(
            "refused",
            exc.status,
            exc.server_code,
            f"HTTP {exc.status}: the server does not accept writes with these credentials",
        )
    except FHIRStatusError as exc:
        if exc.status in (400, 409, 412, 422):
            return WriteProbe(
                "allowed",
                exc.status,
                exc.server_code,
                "credentials accepted for writing; the probe transaction was rejected as "
                "intended and nothing was stored",
            )
        return WriteProbe(
            "unknown", exc.status, exc.server_code, f"HTTP {exc.status} to the probe transaction"
        )
    # A server that committed a transaction FHIR says it must reject: take the Task away again.
    await client.delete("Task", task_id)  # deleting what is gone succeeds
    return WriteProbe(
        "allowed",
        200,
        None,
        "the server committed the probe transaction (it should have rejected it); "
        "the probe Task was deleted again",
    )

"""Who owns a run, and whether that owner is still alive.

A run left ``running`` by a process that was killed must not stay ``running`` forever, but a
run of another live process (two pushes at once, or another worker) must not be touched. A run
records its host, pid and a token unique to the process that started it.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from adapter.sync.ledger.records import Run
from adapter.sync.ledger.schema import RunStatus

__all__ = ["DEFAULT_STALE_AFTER", "Owner", "ended_by", "owner_gone", "this_process"]

# Long enough for a run waiting out a server's Retry-After; a live run touches its heartbeat
# on every recorded case.
DEFAULT_STALE_AFTER = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Owner:
    host: str
    pid: int
    process_token: str


_TOKEN = str(uuid.uuid4())


def this_process() -> Owner:
    return Owner(host=socket.gethostname(), pid=os.getpid(), process_token=_TOKEN)


def owner_gone(run: Run, *, now: datetime, stale_after: timedelta, me: Owner) -> bool:
    """True when the process that started ``run`` has certainly or very probably ended."""
    if now - run.heartbeat_at > stale_after:
        return True
    if run.host != me.host:
        # Another machine's processes cannot be asked; only the heartbeat speaks for them.
        return False
    if run.pid == me.pid:
        return run.process_token != me.process_token
    return not _pid_alive(run.pid)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True


def ended_by(exc: BaseException) -> RunStatus:
    """A run's status when ``exc`` ended it: cancelled (shutdown, the service's time limit,
    Ctrl-C) is ``interrupted``; anything else ``failed``."""
    if isinstance(exc, asyncio.CancelledError | KeyboardInterrupt):
        return RunStatus.INTERRUPTED
    return RunStatus.FAILED

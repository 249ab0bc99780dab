"""Sync runs the app starts in the background: one at a time, owned by the app.

One at a time across kinds: a push and a pull both write the case store and the same server
resources, and the ledger's merge and conflict rules assume they take turns. The app keeps the
task (so it is not garbage-collected mid-run) and cancels it at shutdown, or once it has run
longer than ``max_seconds`` (``ADAPTER_RUN_MAX_SECONDS``); the ledger then marks the run
interrupted, and the next ``POST /sync`` starts a new one instead of answering 409 forever.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from adapter.errors import AccessDenied, TokenEndpointError
from adapter.sync.ledger import RunKind

__all__ = ["BackgroundRuns", "RunInProgress", "Work"]

log = logging.getLogger("adapter.api")

Work = Callable[[], Awaitable[object]]


class RunInProgress(Exception):
    """A run is already going (the route answers 409)."""

    def __init__(self, kind: RunKind) -> None:
        self.kind = kind
        super().__init__(f"a {kind} run is already in progress; try again when it has finished")


class BackgroundRuns:
    def __init__(self, *, max_seconds: float | None = None) -> None:
        self.max_seconds = max_seconds
        self._task: asyncio.Task[None] | None = None
        self._kind: RunKind | None = None
        self._queued: tuple[RunKind, Work] | None = None

    @property
    def current(self) -> RunKind | None:
        """The kind of the run going now, if any."""
        return self._kind if self._task is not None and not self._task.done() else None

    def start(self, kind: RunKind, work: Work) -> asyncio.Task[None]:
        """Start ``work`` now; raise :class:`RunInProgress` if a run is going."""
        if (running := self.current) is not None:
            raise RunInProgress(running)
        self._kind = kind
        self._task = asyncio.create_task(self._guarded(kind, work), name=f"adapter-{kind}-run")
        return self._task

    def start_or_queue(self, kind: RunKind, work: Work) -> bool:
        """Start ``work``, or run it once after the current run; True if it started now.

        For notifications: a burst of them during a run becomes one more run, not many.
        """
        if self.current is not None:
            self._queued = (kind, work)
            return False
        self.start(kind, work)
        return True

    async def wait(self) -> None:
        """Wait until no run is going, queued follow-ups included."""
        while (task := self._task) is not None and not task.done():
            await asyncio.wait({task})

    async def close(self) -> None:
        """Cancel the run still going, if any, and wait for it to stop."""
        self._queued = None
        if self._task is not None and not self._task.done():
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _guarded(self, kind: RunKind, work: Work) -> None:
        limit = asyncio.timeout(self.max_seconds)
        try:
            async with limit:
                await work()
        except asyncio.CancelledError:
            raise
        except (AccessDenied, TokenEndpointError) as exc:
            # Refused credentials end a run at once (see adapter.sync.push.failures.stops_the_run);
            # these messages hold status, code, endpoint, client and scope, never a secret.
            log.error("%s run stopped, credentials refused: %s", kind, exc)
        except Exception as exc:
            if limit.expired():
                log.error("%s run cancelled after %g s (ADAPTER_RUN_MAX_SECONDS): interrupted",
                          kind, self.max_seconds)  # fmt: skip
            else:
                # The run's own failure is in the ledger; the log gets the class, never the message.
                log.error("%s run failed: %s", kind, type(exc).__name__)
        finally:
            queued, self._queued = self._queued, None
            if queued is not None:
                self._kind = queued[0]
                self._task = asyncio.create_task(
                    self._guarded(*queued), name=f"adapter-{queued[0]}-run"
                )

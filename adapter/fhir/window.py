"""How many requests one server gets at once: a send window that can find its own size.

A fixed window is a plain limit (the politeness profile's ``max_concurrency``). An adaptive
window starts at half of that ceiling and climbs by hill-climbing on measured throughput:

- it measures completed requests per second over a *period* (at least ``2 x size`` answers,
  and only while requests were waiting for a slot: a window the caller never fills says
  nothing about a wider one);
- after a period at ``size`` it widens by one when ``size`` did better than ``size - 1`` by
  ``gain`` (or when ``size - 1`` was never measured), up to the ceiling. A server whose answers
  are slow because of the network, not its own load, answers more per second with more in
  flight (Little's law: throughput = requests in flight / latency, latency unchanged), so the
  window grows; a server that is the bottleneck only queues the extra requests, the rate stays
  flat, and the window steps back and holds for ``hold`` periods before it probes again;
- a sign of overload (HTTP 429 or 503, a timeout, a dropped connection: the caller says which
  answers count) halves the window at once; after ``hold`` periods it probes upward again,
  one step per period.

Nothing here sleeps or reads a clock except through ``clock`` (tests pass their own).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable

__all__ = ["SendWindow"]


class SendWindow:
    """At most ``size`` holders at once; ``size`` fixed, or adapted between 1 and ``ceiling``."""

    def __init__(
        self,
        ceiling: int,
        *,
        adaptive: bool = False,
        start: int | None = None,
        gain: float = 0.05,
        hold: int = 8,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ceiling < 1:
            raise ValueError("a send window needs a ceiling of at least 1")
        self.ceiling = ceiling
        self.adaptive = adaptive
        first = start if start is not None else (max(1, ceiling // 2) if adaptive else ceiling)
        self.size = min(max(1, first), ceiling)
        self.gain = gain
        self.hold = hold
        self._clock = clock
        self._in_flight = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._rates: dict[int, float] = {}
        self._holding = 0
        self._begin_period()
        #: Every size the window took, in order (for logs and the benchmark's report).
        self.history: list[int] = [self.size]

    @property
    def in_flight(self) -> int:
        return self._in_flight

    async def acquire(self) -> None:
        """Wait for a slot (first come, first served)."""
        if self._in_flight < self.size and not self._waiters:
            self._in_flight += 1
            return
        self._demand = True
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self._in_flight -= 1  # granted just as it was cancelled: hand the slot on
                self._wake()
            else:
                self._waiters.remove(waiter)
            raise

    def release(self, *, overloaded: bool = False) -> None:
        """Give the slot back; ``overloaded``: the server showed it is overloaded."""
        self._in_flight -= 1
        if self.adaptive:
            if overloaded:
                self._back_off()
            else:
                self._completed()
        self._wake()

    def _wake(self) -> None:
        while self._waiters and self._in_flight < self.size:
            waiter = self._waiters.popleft()
            if not waiter.done():
                self._in_flight += 1
                waiter.set_result(None)

    def _begin_period(self) -> None:
        self._started = self._clock()
        self._done = 0
        self._demand = bool(self._waiters)

    def _resize(self, size: int) -> None:
        self.size = size
        self.history.append(size)
        self._begin_period()

    def _back_off(self) -> None:
        self._rates.clear()
        self._holding = self.hold
        self._resize(max(1, self.size // 2))

    def _completed(self) -> None:
        self._done += 1
        if self._done < 2 * self.size:
            return
        elapsed = self._clock() - self._started
        if not self._demand or elapsed <= 0:
            self._begin_period()  # the caller left slots empty: nothing learned
            return
        rate = self._done / elapsed
        size = self.size
        self._rates[size] = rate
        below = self._rates.get(size - 1)
        if self._holding > 0:
            self._holding -= 1
            self._begin_period()
        elif size < self.ceiling and (below is None or rate >= below * (1 + self.gain)):
            self._resize(size + 1)
        elif below is not None and rate < below * (1 + self.gain):
            # The step up bought nothing: go back and stay a while, then measure afresh.
            self._rates.clear()
            self._holding = self.hold
            self._resize(size - 1)
        else:
            self._begin_period()

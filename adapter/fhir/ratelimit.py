"""A token bucket that paces requests to a server that is not ours to load (a public sandbox).

The transport takes one token per request it sends, retries included, so a retry storm cannot
exceed the rate either. Waiting is done here, before the request leaves; a 429 the server sends
anyway is still handled by the retry layer, which honours its Retry-After.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

__all__ = ["RateLimiter"]


class RateLimiter:
    """At most ``rate`` requests per second on average, with bursts of up to ``burst``.

    ``clock`` and ``sleep`` exist for tests: a fake clock that ``sleep`` advances makes the
    pacing exact and instant.
    """

    def __init__(
        self,
        rate: float,
        *,
        burst: int = 1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a rate limit needs rate > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(burst)
        self._last = clock()
        # One waiter at a time: requests leave in the order they asked.
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        """Wait until a request may be sent, and take its token."""
        async with self._lock:
            self._refill()
            if self._tokens < 1:
                await self._sleep((1 - self._tokens) / self.rate)
                self._refill()
            self._tokens -= 1

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(float(self.burst), self._tokens + (now - self._last) * self.rate)
        self._last = now

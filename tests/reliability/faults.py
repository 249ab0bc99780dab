"""What the fault proxy may do to one request, and plans that choose it: a seeded random mix
at given rates, or a script written by a test."""

from __future__ import annotations

import enum
import random
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Fault", "FaultRates", "Plan", "RequestInfo", "on_transactions", "passthrough"]


class Fault(enum.StrEnum):
    PASS = "pass"
    """Forwarded; the answer goes back unchanged."""
    DELAY = "delay"
    """Forwarded; the answer goes back late (but within the client's read timeout)."""
    RATE_LIMIT = "429"
    """Not forwarded; 429 with Retry-After."""
    UNAVAILABLE = "503"
    """Not forwarded; 503 with an OperationOutcome."""
    RESET = "reset"
    """Not forwarded; the connection is torn down without an answer."""
    DROP = "drop"
    """Forwarded (HAPI commits), then the connection is torn down: the client never hears."""
    STALL = "stall"
    """Forwarded (HAPI commits), then no answer until the client's read timeout fires."""
    HOLD = "hold"
    """Not forwarded until :meth:`FaultProxy.release`; dropped if the client goes away first."""
    HOLD_ANSWER = "hold-answer"
    """Forwarded (HAPI commits); the answer is kept back until the client goes away."""
    # Lies (see lies.py): a 200 that does not prove what it claims, or an answer without end.
    ENTRY_500 = "entry-500"
    """Forwarded (HAPI commits); 200 whose entries all say 500."""
    NO_STATUS = "no-status"
    """Forwarded (HAPI commits); 200 whose entries carry no status."""
    OTHER_ID = "other-id"
    """Forwarded (HAPI commits); 200 whose entries say 201 with a location naming another id."""
    HALF_COMMIT = "half-commit"
    """Half the transaction forwarded (HAPI commits that half); 200 claiming every entry."""
    TRICKLE = "trickle"
    """Forwarded (HAPI commits); 200, then one byte of body every ``trickle`` seconds."""
    ENDLESS = "endless"
    """Forwarded (HAPI commits); 200 with a chunked body that never ends."""
    HUGE = "huge"
    """Forwarded (HAPI commits); 200 declaring and sending a 400 MB body."""


@dataclass(frozen=True)
class RequestInfo:
    """What a plan may look at: arrival number (from 1), method, path with query."""

    number: int
    method: str
    target: str

    @property
    def is_write(self) -> bool:
        return self.method in ("POST", "PUT", "DELETE", "PATCH")


Plan = Callable[[RequestInfo], Fault]


def passthrough(_: RequestInfo) -> Fault:
    return Fault.PASS


def on_transactions(fault: Fault, base_path: str) -> Plan:
    """``fault`` for every transaction or batch (``POST [base]``); everything else passes."""

    def plan(info: RequestInfo) -> Fault:
        is_bundle = info.method == "POST" and info.target.rstrip("/") == base_path
        return fault if is_bundle else Fault.PASS

    return plan


@dataclass(frozen=True)
class FaultRates:
    """Per-request probabilities of each fault; what is left over passes untouched."""

    rate_limit: float = 0.0
    unavailable: float = 0.0
    reset: float = 0.0
    delay: float = 0.0
    drop: float = 0.0
    stall: float = 0.0

    @property
    def total(self) -> float:
        return sum(self.table().values())

    def table(self) -> dict[Fault, float]:
        return {
            Fault.RATE_LIMIT: self.rate_limit,
            Fault.UNAVAILABLE: self.unavailable,
            Fault.RESET: self.reset,
            Fault.DELAY: self.delay,
            Fault.DROP: self.drop,
            Fault.STALL: self.stall,
        }

    def plan(self, seed: int) -> Plan:
        """A seeded plan drawing one fault per request (arrival order decides who gets which)."""
        rng = random.Random(seed)
        table = list(self.table().items())

        def pick(_: RequestInfo) -> Fault:
            roll = rng.random()
            for fault, rate in table:
                if roll < rate:
                    return fault
                roll -= rate
            return Fault.PASS

        return pick

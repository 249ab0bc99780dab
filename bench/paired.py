"""Paired, interleaved measurement: ratios taken within a pair, summarised by their median and a
bootstrap confidence interval. Pure functions, tested with fixed inputs.

On a shared 2-core machine the same workload ran 27 s in one repetition and 60 s in the next;
the ratio of two medians taken minutes apart inherits that drift. A pair runs the adapter and
its baseline back to back (order alternated from pair to pair), so both meet the same machine,
and the ratio is taken inside the pair. A goal is met only when the interval's lower bound
(upper bound for an at-most goal) meets it.
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Interval", "PairedGoal", "bootstrap_median", "pair_orders", "paired_ratios"]


def pair_orders(pairs: int, members: Sequence[str]) -> list[list[str]]:
    """The order of the members in each pair: rotated from pair to pair (A B, B A, A B, … for
    two members), so neither side always runs first on a server that has just been reset."""
    if not members:
        return []
    count = len(members)
    return [[members[(i + k) % count] for k in range(count)] for i in range(pairs)]


def paired_ratios(numerators: Sequence[float], denominators: Sequence[float]) -> list[float]:
    """``numerators[i] / denominators[i]`` per pair; pairs with a zero denominator are left out."""
    if len(numerators) != len(denominators):
        raise ValueError("every pair needs both of its measurements")
    return [n / d for n, d in zip(numerators, denominators, strict=True) if d]


@dataclass(frozen=True)
class Interval:
    """Median of the paired values, its bootstrap interval and the values' own range."""

    median: float
    low: float
    high: float
    level: float
    values: tuple[float, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "median": self.median,
            "ci_low": self.low,
            "ci_high": self.high,
            "level": self.level,
            "min": min(self.values),
            "max": max(self.values),
            "n": len(self.values),
            "values": list(self.values),
        }


def bootstrap_median(
    values: Sequence[float], *, level: float = 0.95, resamples: int = 10_000, seed: int = 0
) -> Interval | None:
    """Percentile bootstrap of the median: resample the pairs with replacement ``resamples``
    times, take the median of each resample, and cut ``(1 - level) / 2`` off each end.
    Deterministic for a given ``seed``. None for no values."""
    if not values:
        return None
    if not 0 < level < 1 or resamples < 1:
        raise ValueError("level must be in (0, 1) and resamples at least 1")
    rng = random.Random(seed)
    data = list(values)
    medians = sorted(statistics.median(rng.choices(data, k=len(data))) for _ in range(resamples))
    tail = (1 - level) / 2
    low = medians[int(tail * (resamples - 1))]
    high = medians[round((1 - tail) * (resamples - 1))]
    return Interval(statistics.median(data), low, high, level, tuple(data))


@dataclass(frozen=True)
class PairedGoal:
    """A goal judged on an interval: met when the whole interval is on the right side."""

    name: str
    interval: Interval | None
    limit: float
    at_least: bool
    judged: bool = True  # False: reported for comparison, no goal

    @property
    def met(self) -> bool | None:
        if self.interval is None or not self.judged:
            return None
        if self.at_least:
            return self.interval.low >= self.limit
        return self.interval.high <= self.limit

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": None if self.interval is None else self.interval.median,
            "goal": f"{'>=' if self.at_least else '<='} {self.limit:g}" if self.judged else "-",
            "met": self.met,
            "interval": None if self.interval is None else self.interval.as_dict(),
        }

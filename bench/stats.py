"""Numbers from measurements: percentiles, median and spread over repetitions, the ratios and
the goals they are held against. Pure functions, tested with fixed inputs."""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Goal", "Spread", "percentile", "spread", "summarise_runs", "throughput_ratio"]


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Linear-interpolation percentile (``fraction`` in [0, 1]); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Spread:
    """Median and range of one metric over the repetitions."""

    median: float
    low: float
    high: float

    def as_dict(self) -> dict[str, float]:
        return {"median": self.median, "min": self.low, "max": self.high}


def spread(values: Sequence[float | None]) -> Spread | None:
    present = [v for v in values if v is not None]
    if not present:
        return None
    return Spread(statistics.median(present), min(present), max(present))


def summarise_runs(runs: Sequence[Mapping[str, Any]]) -> dict[str, Spread]:
    """Median/min/max of every numeric metric the runs share (booleans are not numbers)."""
    keys = {k for run in runs for k, v in run.items() if _is_number(v)}
    out: dict[str, Spread] = {}
    for key in sorted(keys):
        found = spread([run.get(key) for run in runs])
        if found is not None:
            out[key] = found
    return out


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def throughput_ratio(ours: Spread | None, theirs: Spread | None) -> float | None:
    """Ratio of medians (None when either side is missing or the denominator is zero)."""
    if ours is None or theirs is None or theirs.median == 0:
        return None
    return ours.median / theirs.median


@dataclass(frozen=True)
class Goal:
    """One target: ``value`` compared with ``limit`` (``at_least`` or at most)."""

    name: str
    value: float | None
    limit: float
    at_least: bool

    @property
    def met(self) -> bool | None:
        if self.value is None:
            return None
        return self.value >= self.limit if self.at_least else self.value <= self.limit

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": self.value,
            "goal": f"{'>=' if self.at_least else '<='} {self.limit:g}",
            "met": self.met,
        }

"""The reporting period: ``FROM..TO`` (ISO dates, both ends included, either end open)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

__all__ = ["ReportPeriod", "parse_period"]

_DAY = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_PERIOD = re.compile(rf"^(?P<start>{_DAY})?\.\.(?P<end>{_DAY})?$")


@dataclass(frozen=True, slots=True)
class ReportPeriod:
    """Days from ``start`` to ``end``, both included; ``None`` leaves that end open."""

    start: date | None = None
    end: date | None = None

    def __post_init__(self) -> None:
        if self.start is not None and self.end is not None and self.start > self.end:
            raise ValueError(
                f"the period starts after it ends ({self.start.isoformat()} > "
                f"{self.end.isoformat()})"
            )

    def contains(self, day: date | None) -> bool:
        """Whether ``day`` falls in the period (an unknown day never does)."""
        if day is None:
            return False
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    def overlaps(self, first: date, last: date | None) -> bool:
        """Whether the days ``first``..``last`` (``last`` None: still going) meet the period."""
        starts_in_time = self.end is None or first <= self.end
        lasts_long_enough = last is None or self.start is None or last >= self.start
        return starts_in_time and lasts_long_enough

    def ended_by_end(self, day: date | None) -> bool:
        """Whether ``day`` is known and not after the end of the period."""
        return day is not None and (self.end is None or day <= self.end)

    def text(self) -> str:
        """The period as it is written on the command line (``2024-01-01..2024-06-30``)."""
        start = self.start.isoformat() if self.start else ""
        end = self.end.isoformat() if self.end else ""
        return f"{start}..{end}"


def parse_period(text: str) -> ReportPeriod:
    """``FROM..TO`` with ISO dates (``2024-01-01..2024-06-30``; ``2024-01-01..`` and
    ``..2024-06-30`` leave one end open). ``ValueError`` names what is wrong."""
    match = _PERIOD.match(text.strip())
    if match is None:
        raise ValueError(
            "the period is FROM..TO with ISO dates, e.g. 2024-01-01..2024-06-30 "
            "(either end may be left out)"
        )
    return ReportPeriod(_day(match["start"], "FROM"), _day(match["end"], "TO"))


def _day(text: str | None, which: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"the period's {which} is not a calendar date (YYYY-MM-DD)") from None

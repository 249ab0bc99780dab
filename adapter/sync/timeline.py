"""Everything the ledger knows about one case, attempt by attempt: the data behind
``adapter explain`` and the console's case page (one reader, two renderings)."""

from __future__ import annotations

from dataclasses import dataclass

from adapter.sync.ledger import Attempt, Conflict, DeadLetter, Ledger, StoredCase

__all__ = ["CaseTimeline", "case_timeline"]


@dataclass(frozen=True, slots=True)
class CaseTimeline:
    """One case: the stored version, every attempt (oldest first), its dead letters and its
    conflicts (open and closed)."""

    case_id: str
    stored: StoredCase | None
    attempts: list[Attempt]
    letters: list[DeadLetter]
    conflicts: list[Conflict]

    @property
    def known(self) -> bool:
        """The ledger has anything at all about the case."""
        return self.stored is not None or bool(self.attempts)


def case_timeline(ledger: Ledger, case_id: str, server: str | None = None) -> CaseTimeline:
    """Read one case's history from ``ledger`` (every server, or only ``server``)."""
    letters = [
        letter
        for letter in ledger.dead_letters(server, open_only=False)
        if letter.case_id == case_id
    ]
    return CaseTimeline(
        case_id=case_id,
        stored=ledger.get_case(case_id),
        attempts=ledger.attempts_for_case(case_id, server=server),
        letters=letters,
        conflicts=ledger.conflicts(case_id=case_id, server=server, open_only=False),
    )

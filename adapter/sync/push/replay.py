"""Retrying dead letters: find each case again (its source file, else the case store), push it
again, and close letters whose case now landed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from adapter.sync.ledger import DeadLetter, Ledger
from adapter.sync.push.inputs import read_source
from adapter.sync.push.outcomes import PushReport
from adapter.sync.push.run import CaseInput

__all__ = ["Replay", "close_landed", "replay_inputs"]


@dataclass
class Replay:
    """The inputs to push again, which letter each came from, and letters with nothing to push."""

    inputs: list[CaseInput] = field(default_factory=list)
    letter_of: dict[str, DeadLetter] = field(default_factory=dict)
    missing: list[tuple[DeadLetter, str]] = field(default_factory=list)


def replay_inputs(ledger: Ledger, letters: Sequence[DeadLetter]) -> Replay:
    """Re-read each letter's case: from the file it came from if that still exists (it may have
    been fixed), else the latest accepted version in the case store."""
    replay = Replay()
    for letter in letters:
        found = _find(ledger, letter)
        if isinstance(found, str):
            replay.missing.append((letter, found))
            continue
        replay.inputs.append(found)
        replay.letter_of[found.case_id] = letter
    return replay


def close_landed(ledger: Ledger, replay: Replay, report: PushReport) -> int:
    """Close letters whose case landed under another id (an input that had no usable id before
    it was fixed); same-id letters were closed by the push itself. Returns how many closed."""
    closed = 0
    for outcome in report.cases:
        letter = replay.letter_of.get(outcome.case_id)
        if outcome.ok and letter is not None and letter.case_id != outcome.case_id:
            ledger.resolve_dead_letter(letter.id, resolution="succeeded")
            closed += 1
    return closed


def _find(ledger: Ledger, letter: DeadLetter) -> CaseInput | str:
    stored = ledger.get_case(letter.case_id)
    if stored is None:
        return "the case store has no copy and no source file is known"
    if stored.from_file and Path(stored.source).is_file():
        items = read_source(Path(stored.source))
        same = [item for item in items if item.case_id == letter.case_id]
        if same:
            return same[-1]
        if len(items) == 1:  # the file's only case, id fixed since
            return items[0]
    if stored.document is not None:
        return CaseInput(letter.case_id, stored.document, stored.source)
    return f"no valid version of the case is stored and {stored.source} does not hold it"

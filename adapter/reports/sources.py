"""Where a report's cases come from: case files (a file or a directory), or the case store.

A record that cannot be read as a case is skipped with its name and the reason (the field
path, never the value); the report goes on with the rest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from adapter.errors import InputError
from adapter.model.case import Case
from adapter.model.codes import ProgramType
from adapter.model.validation import parse_case
from adapter.reports.period import ReportPeriod
from adapter.reports.report import ProgramReport, Skipped, build_report
from adapter.sync.ledger import Ledger
from adapter.sync.push.inputs import iter_inputs

__all__ = ["CaseSet", "cases_from_files", "cases_from_store"]


@dataclass(slots=True)
class CaseSet:
    """The cases read, and the records skipped."""

    cases: list[Case] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def report(self, *, period: ReportPeriod, program: ProgramType | None) -> ProgramReport:
        """The report of these cases, made now (the skipped records listed in it)."""
        return build_report(
            self.cases,
            period=period,
            program=program,
            generated_at=datetime.now(UTC).replace(microsecond=0),
            skipped=self.skipped,
        )

    def add(self, name: str, document: Any, problem: str | None = None) -> None:
        if problem is not None:
            self.skipped.append(Skipped(name, problem))
            return
        try:
            self.cases.append(parse_case(document))
        except InputError as exc:
            self.skipped.append(Skipped(name, f"{exc.field}: {exc.reason}"))


def cases_from_files(paths: Iterable[Path]) -> CaseSet:
    """The cases in case files: each path a file (one case or an array) or a directory of
    ``*.json`` files."""
    found = CaseSet()
    for path in paths:
        for item in iter_inputs(path):
            found.add(f"case {item.case_id}", item.document, item.problem)
    return found


def cases_from_store(ledger: Ledger) -> CaseSet:
    """Every case in the case store, as last accepted (after pulls: with the provider's
    changes)."""
    found = CaseSet()
    for case_id in ledger.case_ids():
        stored = ledger.get_case(case_id)
        if stored is None:  # removed while we read
            continue
        problem = None if stored.document is not None else "no valid version was ever accepted"
        found.add(f"case {case_id}", stored.document, problem)
    return found

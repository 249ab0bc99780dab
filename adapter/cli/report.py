"""``adapter report``: program evaluation per program and period, as JSON, a FHIR MeasureReport
or an HTML page with charts (and a PNG of the main ones)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from adapter.cli.app import app
from adapter.cli.sync_session import (
    EXIT_CONFIG,
    EXIT_FAILED,
    LedgerOption,
    fail,
    ledger_for,
    settings_for,
)
from adapter.errors import ConfigError
from adapter.fhir.json_body import dumps_text
from adapter.model.codes import ProgramType
from adapter.reports import (
    CaseSet,
    ProgramReport,
    cases_from_files,
    cases_from_store,
    measure_report,
    parse_period,
    png_available,
    report_html,
    report_png,
)
from adapter.reports.period import ReportPeriod


class ReportFormat(StrEnum):
    JSON = "json"
    FHIR = "fhir"
    HTML = "html"


@app.command("report")
def report(
    cases_dir: Annotated[
        Path | None,
        typer.Argument(
            metavar="CASES_DIR",
            help="A case file or a directory of them (or use --from-ledger).",
            show_default=False,
        ),
    ] = None,
    from_ledger: Annotated[
        bool, typer.Option("--from-ledger", help="Read the cases from the case store instead.")
    ] = False,
    program: Annotated[
        str | None,
        typer.Option(
            "--program",
            help="Only this program (default: one section per program).",
            show_default=False,
        ),
    ] = None,
    period: Annotated[
        str | None,
        typer.Option(
            "--period",
            help="FROM..TO, ISO dates, both included; either end may be left out.",
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[
        ReportFormat, typer.Option("--format", help="json, fhir (a MeasureReport) or html.")
    ] = ReportFormat.JSON,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write to this file (html: required; the PNG goes beside it).",
            show_default=False,
        ),
    ] = None,
    no_png: Annotated[bool, typer.Option("--no-png", help="html: no PNG picture.")] = False,
    ledger: LedgerOption = None,
) -> None:
    """Evaluate programs: cases opened, closed by reason and open; goals achieved and on time;
    days from referral to first contact and to the plan; tasks completed and failed; ED visits
    and admissions recorded; Standard O outcome domains. Exit 1 when records were skipped."""
    wanted = _program(program)
    span = _period(period)
    if fmt is ReportFormat.HTML and out is None:
        fail("--format html needs --out FILE (the PNG is written beside it)", EXIT_CONFIG)
    if fmt is ReportFormat.HTML and not no_png and not png_available():
        fail(
            "the PNG chart needs matplotlib: pip install 'cm-fhir-adapter[charts]' (or --no-png)",
            EXIT_CONFIG,
        )
    found = _read(cases_dir, from_ledger=from_ledger, ledger=ledger)
    result = found.report(period=span, program=wanted)
    _write(result, fmt, out, png=not no_png)
    err = Console(stderr=True, soft_wrap=True, highlight=False)
    for skipped in found.skipped:
        err.print(f"skipped {escape(skipped.record)}: {escape(skipped.reason)}")
    if found.skipped:
        raise typer.Exit(EXIT_FAILED)


def _program(text: str | None) -> ProgramType | None:
    if text is None:
        return None
    try:
        return ProgramType(text.strip())
    except ValueError:
        known = ", ".join(p.value for p in ProgramType)
        fail(f"--program: unknown program {text!r}; one of: {known}", EXIT_CONFIG)


def _period(text: str | None) -> ReportPeriod:
    if text is None:
        return ReportPeriod()
    try:
        return parse_period(text)
    except ValueError as exc:
        fail(f"--period: {exc}", EXIT_CONFIG)


def _read(cases_dir: Path | None, *, from_ledger: bool, ledger: str | None) -> CaseSet:
    if from_ledger == (cases_dir is not None):
        fail("give CASES_DIR or --from-ledger (exactly one)", EXIT_CONFIG)
    if cases_dir is not None:
        if not cases_dir.exists():
            fail(f"{cases_dir}: no such file or directory", EXIT_CONFIG)
        return cases_from_files([cases_dir])
    with ledger_for(settings_for(ledger=ledger)) as store:
        return cases_from_store(store)


def _write(result: ProgramReport, fmt: ReportFormat, out: Path | None, *, png: bool) -> None:
    if fmt is ReportFormat.HTML:
        assert out is not None
        written = [_save(out, report_html(result).encode("utf-8"))]
        if png:
            try:
                written.append(_save(out.with_suffix(".png"), report_png(result)))
            except ConfigError as exc:
                fail(str(exc), EXIT_CONFIG)
        typer.echo(f"wrote {', '.join(str(p) for p in written)}", err=True)
        return
    document = result.as_json() if fmt is ReportFormat.JSON else measure_report(result)
    text = dumps_text(document) + "\n"  # the MeasureReport's amounts are exact decimals
    if out is None:
        typer.echo(text, nl=False)
    else:
        typer.echo(f"wrote {_save(out, text.encode('utf-8'))}", err=True)


def _save(path: Path, content: bytes) -> Path:
    try:
        path.write_bytes(content)
    except OSError as exc:
        fail(f"{path}: cannot write ({exc.strerror})", EXIT_CONFIG)
    return path

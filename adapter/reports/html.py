"""A report as one self-contained HTML page: the charts as inline SVG, then every number in
one table (a row per measure, a column per program and one for all of them)."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from adapter.model.codes import ClosureReason, OutcomeDomain, TaskStatus
from adapter.reports.charts import label, report_charts
from adapter.reports.facts import Usage
from adapter.reports.financial_charts import financial_charts, money_text
from adapter.reports.measures import DayStats, ProgramMeasures
from adapter.reports.report import ProgramReport, number
from adapter.reports.svg import chart_svg

__all__ = ["report_html"]

_Cell = Callable[[ProgramMeasures], object]

_STYLE = """
body { font-family: sans-serif; margin: 2em auto; max-width: 1000px; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; }
.charts { display: flex; flex-wrap: wrap; gap: 1.5em; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
tr.section th { text-align: left; background: #f3f3f3; }
.note { color: #555; font-size: 0.9em; }
"""


def report_html(report: ProgramReport) -> str:
    """The page (UTF-8 text); it loads nothing from anywhere."""
    columns = [*report.programs, report.total] if len(report.programs) > 1 else [report.total]
    heads = "".join(f"<th>{escape(_name(m))}</th>" for m in columns)
    body = []
    for section, rows in _rows():
        body.append(f'<tr class="section"><th colspan="{len(columns) + 1}">{section}</th></tr>')
        for name, cell in rows:
            cells = "".join(f"<td>{escape(_text(cell(m)))}</td>" for m in columns)
            body.append(f"<tr><td>{escape(name)}</td>{cells}</tr>")
    skipped = f"; {len(report.skipped)} records skipped (not valid cases)" if report.skipped else ""
    charts = "\n".join(f"<figure>{chart_svg(c)}</figure>" for c in report_charts(report))
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Program evaluation {escape(_period(report))}</title>
<style>{_STYLE}</style>
</head>
<body>
<h1>Case-management program evaluation</h1>
<p>Period: <strong>{escape(_period(report))}</strong>.
Program: <strong>{escape(label(report.program.value) if report.program else "all")}</strong>.
{report.cases_read} cases read{escape(skipped)}; made {escape(report.generated_at.isoformat())}.</p>
<p class="note">The cohort is every case open at some time in the period. Opened, closed and
cancelled count the events dated in the period; the other measures describe the cohort's cases
as recorded (see docs/reports.md for each rule).</p>
<div class="charts">
{charts}
</div>
{_financial(report, columns)}
<h2>All measures</h2>
<table>
<thead><tr><th>Measure</th>{heads}</tr></thead>
<tbody>
{chr(10).join(body)}
</tbody>
</table>
</body>
</html>
"""


def _financial(report: ProgramReport, columns: list[ProgramMeasures]) -> str:
    """The financial section: a chart per currency and the exact totals."""
    rows = [
        "<tr>"
        + "".join(
            f"<td>{escape(text)}</td>"
            for text in (
                _name(m),
                t.currency,
                str(t.tasks),
                money_text(t.billed),
                money_text(t.negotiated),
                money_text(t.savings),
            )
        )
        + "</tr>"
        for m in columns
        for t in m.financial
    ]
    if not rows:
        found = "<p>No task of the cohort records a financial result.</p>"
    else:
        charts = "\n".join(f"<figure>{chart_svg(c)}</figure>" for c in financial_charts(report))
        heads = "".join(
            f"<th>{h}</th>"
            for h in ("Program", "Currency", "Tasks", "Billed", "Negotiated", "Savings")
        )
        found = (
            f'<div class="charts">\n{charts}\n</div>\n<table>\n<thead><tr>{heads}</tr></thead>\n'
            f"<tbody>\n{chr(10).join(rows)}\n</tbody>\n</table>"
        )
    return f"""<h2 id="financial">Financial results (Standard O: cost-effectiveness)</h2>
<p class="note">Tasks of the cohort that record a financial result (a rate negotiation, a
coverage exception): the amounts billed and negotiated, and the savings (billed minus
negotiated, per task). Each currency is totalled on its own: amounts in different currencies are
never added together.</p>
{found}"""


def _name(m: ProgramMeasures) -> str:
    return label(m.program.value) if m.program else "All"


def _period(report: ProgramReport) -> str:
    text = report.period.text()
    return "all dates" if text == ".." else text


def _text(value: object) -> str:
    return "-" if value is None else str(value)


def _days(stats: Callable[[ProgramMeasures], DayStats]) -> list[tuple[str, _Cell]]:
    return [
        ("cases", lambda m: stats(m).cases),
        ("median", lambda m: stats(m).median),
        ("mean", lambda m: stats(m).mean),
        ("min - max", lambda m: _range(stats(m))),
    ]


def _range(stats: DayStats) -> str | None:
    return None if stats.minimum is None else f"{stats.minimum}-{stats.maximum}"


def _rows() -> list[tuple[str, list[tuple[str, _Cell]]]]:
    cases: list[tuple[str, _Cell]] = [
        ("Cohort (open in the period)", lambda m: m.flow.cohort),
        ("Opened", lambda m: m.flow.opened),
        ("Closed", lambda m: m.flow.closed_total),
        *((f"  closed: {label(r.value)}", _closed(r)) for r in ClosureReason),
        ("Cancelled", lambda m: m.flow.cancelled),
        ("Open at the end", lambda m: m.flow.open_at_end),
    ]
    goals: list[tuple[str, _Cell]] = [
        ("Goals", lambda m: m.goals.goals),
        ("Achieved", lambda m: m.goals.achieved),
        ("  on time", lambda m: m.goals.achieved_on_time),
        ("  late", lambda m: m.goals.achieved_late),
        ("  timing unknown", lambda m: m.goals.achieved_timing_unknown),
        ("Not achieved", lambda m: m.goals.not_achieved),
        ("Cancelled", lambda m: m.goals.cancelled),
        ("Open", lambda m: m.goals.open),
    ]
    tasks: list[tuple[str, _Cell]] = [
        ("Tasks", lambda m: sum(m.tasks.values())),
        *((label(s.value), _task(s)) for s in TaskStatus),
    ]
    usage: list[tuple[str, _Cell]] = []
    for kind in Usage:
        name = "ED visits" if kind is Usage.ED_VISITS else "Admissions"
        usage += [
            (f"{name}: baseline (cases / total)", _usage(kind, "baseline")),
            (f"{name}: follow-up (cases / total)", _usage(kind, "follow_up")),
            (f"{name}: cases with both, baseline → follow-up", _usage(kind, "paired")),
        ]
    return [
        ("Cases", cases),
        ("Goals", goals),
        ("Days from referral to first contact", _days(lambda m: m.referral_to_first_contact)),
        ("Days from referral to plan", _days(lambda m: m.referral_to_plan)),
        ("Tasks", tasks),
        ("Utilization recorded", usage),
        (
            "Standard O outcome domains: measurements (cases; repeated: improved / worsened)",
            _domains(),
        ),
    ]


def _closed(reason: ClosureReason) -> _Cell:
    return lambda m: m.flow.closed[reason]


def _task(status: TaskStatus) -> _Cell:
    return lambda m: m.tasks[status]


def _usage(kind: Usage, side: str) -> _Cell:
    def cell(m: ProgramMeasures) -> str:
        u = m.usage[kind]
        if side == "baseline":
            return f"{u.baseline_cases} / {number(u.baseline_total)}"
        if side == "follow_up":
            return f"{u.follow_up_cases} / {number(u.follow_up_total)}"
        return f"{u.paired_cases}: {number(u.paired_baseline)} → {number(u.paired_follow_up)}"

    return cell


def _domains() -> list[tuple[str, _Cell]]:
    def cell(domain: OutcomeDomain) -> _Cell:
        def text(m: ProgramMeasures) -> str:
            d = m.domains[domain]
            return f"{d.measurements} ({d.cases}; {d.repeated}: {d.improved} / {d.worsened})"

        return text

    return [(label(domain.value), cell(domain)) for domain in OutcomeDomain]

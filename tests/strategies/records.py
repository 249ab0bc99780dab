"""Strategies for assessments, needs, the plan with its goals, tasks, notes and outcomes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from hypothesis import strategies as st

from adapter.model import (
    Assessment,
    CodedAnswer,
    FinancialResult,
    Finding,
    Goal,
    GoalProgress,
    GoalTarget,
    InstrumentScore,
    MonitoringNote,
    Need,
    OutcomeMeasurement,
    OwnerAssignment,
    Period,
    PlanOfCare,
    PlanRevision,
    Task,
)
from adapter.model import codes as c
from adapter.model.goal import FINAL_ACHIEVEMENTS
from adapter.model.plan import CLOSED_GOAL_LIFECYCLES
from adapter.model.task import OPEN_TASK_STATUSES
from tests.strategies.basics import (
    Draw,
    after,
    amounts,
    dates,
    ids,
    instants,
    maybe,
    ref,
    refs,
    texts,
    unique_ids,
)


def draw_assessments(draw: Draw, max_items: int, members: list[str]) -> list[Assessment]:
    result = []
    for aid in unique_ids(draw, max_items):
        domains = draw(
            st.lists(st.sampled_from(c.AssessmentDomain), unique=True, min_size=1, max_size=3)
        )
        findings = [
            Finding(domain=draw(st.sampled_from(domains)), text=draw(texts))
            for _ in range(draw(st.integers(0, 2)))
        ]
        scores = [
            InstrumentScore(
                id=sid,
                instrument=draw(st.sampled_from(["PHQ-9", "GAD-7", "PRAPARE", "C-SSRS Q1"])),
                interpretation=draw(maybe(texts)),
                **draw(_result()),
            )
            for sid in unique_ids(draw, max_items)
        ]
        result.append(
            Assessment(
                id=aid,
                kind=draw(st.sampled_from(c.AssessmentKind)),
                status=draw(st.sampled_from(c.AssessmentStatus)),
                performed_on=draw(dates),
                assessor_id=draw(ref(members)),
                domains=tuple(domains),
                findings=tuple(findings),
                scores=tuple(scores),
                strengths=draw(maybe(texts)),
            )
        )
    return result


def _result() -> st.SearchStrategy[dict[str, Any]]:
    """One instrument result: a score, a coded answer or a text answer."""
    answers = st.builds(
        CodedAnswer,
        system=st.just("http://loinc.org"),
        code=st.sampled_from(["LA33-6", "LA32-8", "LA30190-5"]),
        display=maybe(texts),
    )
    return st.one_of(
        amounts.map(lambda v: {"score": v}),
        answers.map(lambda a: {"answer": a}),
        texts.map(lambda t: {"text": t}),
    )


def _owner_history(draw: Draw, owner: str | None, members: list[str]) -> list[OwnerAssignment]:
    if owner is None or not draw(st.booleans()):
        return []
    start = draw(dates)
    handed_over = after(draw, start, 30)
    earlier = draw(st.sampled_from(members))
    return [
        OwnerAssignment.model_validate({"owner_id": earlier, "from": start, "to": handed_over}),
        OwnerAssignment.model_validate({"owner_id": owner, "from": handed_over}),
    ]


def _financial(draw: Draw) -> FinancialResult:
    billed, negotiated = abs(draw(amounts)), abs(draw(amounts))
    savings = billed - negotiated if draw(st.booleans()) else None
    return FinancialResult(
        currency=draw(st.sampled_from(["USD", "EUR"])),
        billed=billed,
        negotiated=negotiated,
        savings=savings,
    )


def draw_needs(draw: Draw, max_items: int, assessments: list[str]) -> list[Need]:
    result = []
    for nid in unique_ids(draw, max_items):
        status = draw(st.sampled_from(c.NeedStatus))
        identified = draw(dates)
        resolved = after(draw, identified) if status is c.NeedStatus.RESOLVED else None
        result.append(
            Need(
                id=nid,
                kind=draw(st.sampled_from(c.NeedKind)),
                domain=draw(st.sampled_from(c.AssessmentDomain)),
                description=draw(texts),
                status=status,
                identified_on=identified,
                resolved_on=resolved,
                assessment_id=draw(ref(assessments)),
            )
        )
    return result


def _target(draw: Draw, start: date | None) -> GoalTarget:
    due = after(draw, start) if start is not None and draw(st.booleans()) else None
    if draw(st.booleans()):
        return GoalTarget(
            measure=draw(texts),
            value=draw(amounts),
            comparator=draw(maybe(st.sampled_from(c.Comparator))),
            unit=draw(maybe(st.sampled_from(["mg/dL", "%", "visits"]))),
            due_date=due,
        )
    return GoalTarget(measure=draw(texts), text=draw(maybe(texts)), due_date=due)


def _goal(
    draw: Draw,
    gid: str,
    lifecycles: Sequence[c.GoalLifecycle],
    needs: list[str],
    members: list[str],
) -> Goal:
    lifecycle = draw(st.sampled_from(lifecycles))
    pool = (
        sorted(FINAL_ACHIEVEMENTS)
        if lifecycle is c.GoalLifecycle.COMPLETED
        else list(c.GoalAchievement)
    )
    achievement = (
        draw(st.sampled_from(pool))
        if lifecycle is c.GoalLifecycle.COMPLETED
        else draw(maybe(st.sampled_from(pool)))
    )
    start = draw(maybe(dates))
    progress = [
        GoalProgress(
            id=pid,
            recorded_on=draw(dates),
            achievement=draw(st.sampled_from(c.GoalAchievement)),
            value=draw(maybe(amounts)),
            author_id=draw(ref(members)),
        )
        for pid in unique_ids(draw, 2)
    ]
    return Goal(
        id=gid,
        description=draw(texts),
        category=draw(maybe(st.sampled_from(c.GoalCategory))),
        priority=draw(maybe(st.sampled_from(c.GoalPriority))),
        lifecycle=lifecycle,
        achievement=achievement,
        start_date=start,
        target=draw(maybe(st.just(_target(draw, start)))),
        status_date=draw(maybe(dates)),
        status_reason=draw(maybe(texts)),
        agreed_with_client=draw(st.booleans()),
        need_ids=draw(refs(needs)),
        progress=tuple(progress),
    )


def draw_plan(
    draw: Draw, *, ended: bool, needs: list[str], members: list[str], max_items: int
) -> PlanOfCare:
    ended_plan = (c.PlanStatus.COMPLETED, c.PlanStatus.REVOKED)
    status = draw(st.sampled_from(ended_plan if ended else tuple(c.PlanStatus)))
    lifecycles = sorted(CLOSED_GOAL_LIFECYCLES) if status in ended_plan else list(c.GoalLifecycle)
    goals = [_goal(draw, gid, lifecycles, needs, members) for gid in unique_ids(draw, max_items)]
    created = draw(dates)
    revisions, previous = [], created
    for number in range(1, draw(st.integers(0, 2)) + 1):
        previous = after(draw, previous, 60)
        revisions.append(
            PlanRevision(
                number=number,
                revised_on=previous,
                reason=draw(texts),
                author_id=draw(ref(members)),
            )
        )
    period = Period(start=created, end=draw(maybe(st.just(after(draw, created)))))
    return PlanOfCare(
        id=draw(ids),
        title=draw(texts),
        status=status,
        created_on=created,
        period=draw(maybe(st.just(period))),
        author_id=draw(ref(members)),
        goals=tuple(goals),
        revisions=tuple(revisions),
    )


def draw_tasks(
    draw: Draw, max_items: int, *, ended: bool, goals: list[str], members: list[str]
) -> list[Task]:
    statuses = [s for s in c.TaskStatus if not ended or s not in OPEN_TASK_STATUSES]
    result = []
    for tid in unique_ids(draw, max_items):
        status = draw(st.sampled_from(statuses))
        started = status not in (c.TaskStatus.DRAFT, c.TaskStatus.REQUESTED, c.TaskStatus.ACCEPTED)
        due_start = draw(maybe(dates))
        due = Period(start=due_start, end=after(draw, due_start, 30) if due_start else draw(dates))
        owner = draw(ref(members))
        result.append(
            Task(
                id=tid,
                type=draw(st.sampled_from(c.InterventionType)),
                title=draw(texts),
                status=status,
                status_reason=draw(maybe(texts)),
                priority=draw(st.sampled_from(c.TaskPriority)),
                owner_id=owner,
                service=draw(maybe(texts)),
                goal_ids=draw(refs(goals)),
                created_at=draw(instants),
                due=draw(maybe(st.just(due))),
                outcome=draw(maybe(texts)) if started else None,
                owner_history=tuple(_owner_history(draw, owner, members)),
                financial=_financial(draw) if started and draw(st.booleans()) else None,
            )
        )
    return result


def draw_notes(
    draw: Draw, max_items: int, *, members: list[str], goals: list[str], tasks: list[str]
) -> list[MonitoringNote]:
    result = []
    for nid in unique_ids(draw, max_items):
        kind = draw(st.sampled_from(c.NoteKind))
        contact = kind in (c.NoteKind.CONTACT, c.NoteKind.OUTREACH_ATTEMPT)
        result.append(
            MonitoringNote(
                id=nid,
                kind=kind,
                recorded_at=draw(instants),
                author_id=draw(ref(members)),
                mode=draw(maybe(st.sampled_from(c.ContactMode))) if contact else None,
                reached=draw(st.booleans()) if contact else None,
                text=draw(texts),
                goal_ids=draw(refs(goals)),
                task_ids=draw(refs(tasks)),
            )
        )
    return result


def draw_outcomes(draw: Draw, max_items: int, goals: list[str]) -> list[OutcomeMeasurement]:
    result = []
    for oid in unique_ids(draw, max_items):
        numeric = draw(st.booleans())
        result.append(
            OutcomeMeasurement(
                id=oid,
                domain=draw(st.sampled_from(c.OutcomeDomain)),
                measure=draw(texts),
                measured_on=draw(dates),
                value=draw(amounts) if numeric else None,
                unit=draw(maybe(st.just("visits"))) if numeric else None,
                text=None if numeric else draw(texts),
                goal_id=draw(ref(goals)),
            )
        )
    return result

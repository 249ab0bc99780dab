"""Hypothesis strategies that generate VALID internal cases.

``cases()`` is shared: the model tests and the mapping round-trip property test draw from it.
Cases are small by default (``max_items`` per list) so that a property test stays fast.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import TypeVar

from hypothesis import strategies as st

from adapter.model import (
    Assessment,
    CareTeamMember,
    Case,
    Client,
    ClientIdentifier,
    Consent,
    Coverage,
    CriterionResult,
    Finding,
    Goal,
    GoalProgress,
    GoalTarget,
    InstrumentScore,
    MonitoringNote,
    Need,
    OutcomeMeasurement,
    Period,
    PersonName,
    PlanOfCare,
    PlanRevision,
    Preference,
    Referral,
    Screening,
    Task,
)
from adapter.model import codes as c
from adapter.model.goal import FINAL_ACHIEVEMENTS
from adapter.model.plan import CLOSED_GOAL_LIFECYCLES
from adapter.model.task import OPEN_TASK_STATUSES

__all__ = ["amounts", "cases", "ids", "instants", "texts"]

T = TypeVar("T")
Draw = st.DrawFn

_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-"
_WORD_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789éñüçß'.,&/-"
_ZONES = (UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=5, minutes=30)))

ids = st.text(_ID_ALPHABET, min_size=1, max_size=12)
words = st.text(_WORD_ALPHABET, min_size=1, max_size=10)
texts = st.lists(words, min_size=1, max_size=5).map(" ".join)
dates = st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31))
amounts = st.decimals(
    min_value=Decimal(-100_000), max_value=Decimal(100_000), places=2, allow_nan=False
)
instants = st.builds(
    lambda moment, zone: moment.replace(tzinfo=UTC).astimezone(zone),
    st.datetimes(min_value=datetime(2015, 1, 1), max_value=datetime(2030, 12, 31)).map(
        lambda moment: moment.replace(microsecond=0)
    ),
    st.sampled_from(_ZONES),
)


def _maybe(strategy: st.SearchStrategy[T]) -> st.SearchStrategy[T | None]:
    return st.none() | strategy


def _ref(known: Sequence[str]) -> st.SearchStrategy[str | None]:
    return _maybe(st.sampled_from(known)) if known else st.none()


def _refs(known: Sequence[str]) -> st.SearchStrategy[tuple[str, ...]]:
    if not known:
        return st.just(())
    return st.lists(st.sampled_from(known), unique=True, max_size=2).map(tuple)


def _unique_ids(draw: Draw, max_items: int, *, min_size: int = 0) -> list[str]:
    return draw(st.lists(ids, unique=True, min_size=min_size, max_size=max_items))


def _after(draw: Draw, start: date, max_days: int = 400) -> date:
    return start + timedelta(days=draw(st.integers(0, max_days)))


@st.composite
def clients(draw: Draw, max_items: int = 2) -> Client:
    """A client with a few identifiers and preferences."""
    birth = draw(st.dates(min_value=date(1920, 1, 1), max_value=date(2024, 12, 31)))
    identifiers = draw(
        st.lists(
            st.builds(
                ClientIdentifier,
                kind=st.sampled_from(c.IdentifierKind),
                value=ids,
                assigner=_maybe(texts),
            ),
            max_size=max_items,
            unique_by=lambda i: (i.kind, i.assigner or "", i.value),
        )
    )
    preferences = [
        Preference(id=pid, kind=draw(st.sampled_from(c.PreferenceKind)), text=draw(texts))
        for pid in _unique_ids(draw, max_items)
    ]
    return Client(
        id=draw(ids),
        identifiers=tuple(identifiers),
        name=PersonName(
            family=draw(words), given=tuple(draw(st.lists(words, min_size=1, max_size=2)))
        ),
        birth_date=birth,
        gender=draw(st.sampled_from(c.Gender)),
        language=draw(st.sampled_from([None, "en", "es", "es-MX", "vi"])),
        interpreter_needed=draw(st.booleans()),
        preferences=tuple(preferences),
        deceased_on=draw(_maybe(st.just(_after(draw, birth, 30_000)))),
    )


def _members(draw: Draw, max_items: int) -> list[CareTeamMember]:
    members = []
    for mid in _unique_ids(draw, max_items):
        kind = draw(st.sampled_from(c.MemberKind))
        employer = None if kind is c.MemberKind.ORGANIZATION else draw(_maybe(texts))
        members.append(
            CareTeamMember(
                id=mid,
                kind=kind,
                name=draw(texts),
                role=draw(st.sampled_from(c.CareTeamRole)),
                organization=employer,
                phone=draw(_maybe(st.just("+1 555 0100"))),
            )
        )
    return members


def _consents(draw: Draw, max_items: int, *, engaged: bool, opened: date) -> list[Consent]:
    consents = [
        Consent(
            id=cid,
            scope=draw(st.sampled_from(c.ConsentScope)),
            status=draw(st.sampled_from(c.ConsentStatus)),
            recorded_on=draw(dates),
        )
        for cid in _unique_ids(draw, max_items)
    ]
    if engaged:
        taken = {x.id for x in consents}
        cid = draw(ids.filter(lambda i: i not in taken))
        consents.append(
            Consent(
                id=cid,
                scope=c.ConsentScope.PARTICIPATION,
                status=c.ConsentStatus.GRANTED,
                recorded_on=opened,
                expires_on=draw(_maybe(st.just(_after(draw, opened)))),
            )
        )
    return consents


def _assessments(draw: Draw, max_items: int, members: list[str]) -> list[Assessment]:
    result = []
    for aid in _unique_ids(draw, max_items):
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
                instrument=draw(st.sampled_from(["PHQ-9", "GAD-7", "PRAPARE"])),
                score=draw(amounts),
                interpretation=draw(_maybe(texts)),
            )
            for sid in _unique_ids(draw, max_items)
        ]
        result.append(
            Assessment(
                id=aid,
                kind=draw(st.sampled_from(c.AssessmentKind)),
                status=draw(st.sampled_from(c.AssessmentStatus)),
                performed_on=draw(dates),
                assessor_id=draw(_ref(members)),
                domains=tuple(domains),
                findings=tuple(findings),
                scores=tuple(scores),
                strengths=draw(_maybe(texts)),
            )
        )
    return result


def _needs(draw: Draw, max_items: int, assessments: list[str]) -> list[Need]:
    result = []
    for nid in _unique_ids(draw, max_items):
        status = draw(st.sampled_from(c.NeedStatus))
        identified = draw(dates)
        resolved = _after(draw, identified) if status is c.NeedStatus.RESOLVED else None
        result.append(
            Need(
                id=nid,
                kind=draw(st.sampled_from(c.NeedKind)),
                domain=draw(st.sampled_from(c.AssessmentDomain)),
                description=draw(texts),
                status=status,
                identified_on=identified,
                resolved_on=resolved,
                assessment_id=draw(_ref(assessments)),
            )
        )
    return result


def _target(draw: Draw, start: date | None) -> GoalTarget:
    due = _after(draw, start) if start is not None and draw(st.booleans()) else None
    if draw(st.booleans()):
        return GoalTarget(
            measure=draw(texts),
            value=draw(amounts),
            comparator=draw(_maybe(st.sampled_from(c.Comparator))),
            unit=draw(_maybe(st.sampled_from(["mg/dL", "%", "visits"]))),
            due_date=due,
        )
    return GoalTarget(measure=draw(texts), text=draw(_maybe(texts)), due_date=due)


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
        else draw(_maybe(st.sampled_from(pool)))
    )
    start = draw(_maybe(dates))
    progress = [
        GoalProgress(
            id=pid,
            recorded_on=draw(dates),
            achievement=draw(st.sampled_from(c.GoalAchievement)),
            value=draw(_maybe(amounts)),
            author_id=draw(_ref(members)),
        )
        for pid in _unique_ids(draw, 2)
    ]
    return Goal(
        id=gid,
        description=draw(texts),
        category=draw(_maybe(st.sampled_from(c.GoalCategory))),
        priority=draw(_maybe(st.sampled_from(c.GoalPriority))),
        lifecycle=lifecycle,
        achievement=achievement,
        start_date=start,
        target=draw(_maybe(st.just(_target(draw, start)))),
        status_date=draw(_maybe(dates)),
        status_reason=draw(_maybe(texts)),
        agreed_with_client=draw(st.booleans()),
        need_ids=draw(_refs(needs)),
        progress=tuple(progress),
    )


def _plan(
    draw: Draw, *, ended: bool, needs: list[str], members: list[str], max_items: int
) -> PlanOfCare:
    ended_plan = (c.PlanStatus.COMPLETED, c.PlanStatus.REVOKED)
    status = draw(st.sampled_from(ended_plan if ended else tuple(c.PlanStatus)))
    lifecycles = sorted(CLOSED_GOAL_LIFECYCLES) if status in ended_plan else list(c.GoalLifecycle)
    goals = [_goal(draw, gid, lifecycles, needs, members) for gid in _unique_ids(draw, max_items)]
    created = draw(dates)
    revisions, previous = [], created
    for number in range(1, draw(st.integers(0, 2)) + 1):
        previous = _after(draw, previous, 60)
        revisions.append(
            PlanRevision(
                number=number,
                revised_on=previous,
                reason=draw(texts),
                author_id=draw(_ref(members)),
            )
        )
    period = Period(start=created, end=draw(_maybe(st.just(_after(draw, created)))))
    return PlanOfCare(
        id=draw(ids),
        title=draw(texts),
        status=status,
        created_on=created,
        period=draw(_maybe(st.just(period))),
        author_id=draw(_ref(members)),
        goals=tuple(goals),
        revisions=tuple(revisions),
    )


def _tasks(
    draw: Draw, max_items: int, *, ended: bool, goals: list[str], members: list[str]
) -> list[Task]:
    statuses = [s for s in c.TaskStatus if not ended or s not in OPEN_TASK_STATUSES]
    result = []
    for tid in _unique_ids(draw, max_items):
        status = draw(st.sampled_from(statuses))
        started = status not in (c.TaskStatus.DRAFT, c.TaskStatus.REQUESTED, c.TaskStatus.ACCEPTED)
        due_start = draw(_maybe(dates))
        due = Period(start=due_start, end=_after(draw, due_start, 30) if due_start else draw(dates))
        result.append(
            Task(
                id=tid,
                type=draw(st.sampled_from(c.InterventionType)),
                title=draw(texts),
                status=status,
                status_reason=draw(_maybe(texts)),
                priority=draw(st.sampled_from(c.TaskPriority)),
                owner_id=draw(_ref(members)),
                service=draw(_maybe(texts)),
                goal_ids=draw(_refs(goals)),
                created_at=draw(instants),
                due=draw(_maybe(st.just(due))),
                outcome=draw(_maybe(texts)) if started else None,
            )
        )
    return result


def _notes(
    draw: Draw, max_items: int, *, members: list[str], goals: list[str], tasks: list[str]
) -> list[MonitoringNote]:
    result = []
    for nid in _unique_ids(draw, max_items):
        kind = draw(st.sampled_from(c.NoteKind))
        contact = kind in (c.NoteKind.CONTACT, c.NoteKind.OUTREACH_ATTEMPT)
        result.append(
            MonitoringNote(
                id=nid,
                kind=kind,
                recorded_at=draw(instants),
                author_id=draw(_ref(members)),
                mode=draw(_maybe(st.sampled_from(c.ContactMode))) if contact else None,
                reached=draw(st.booleans()) if contact else None,
                text=draw(texts),
                goal_ids=draw(_refs(goals)),
                task_ids=draw(_refs(tasks)),
            )
        )
    return result


def _outcomes(draw: Draw, max_items: int, goals: list[str]) -> list[OutcomeMeasurement]:
    result = []
    for oid in _unique_ids(draw, max_items):
        numeric = draw(st.booleans())
        result.append(
            OutcomeMeasurement(
                id=oid,
                domain=draw(st.sampled_from(c.OutcomeDomain)),
                measure=draw(texts),
                measured_on=draw(dates),
                value=draw(amounts) if numeric else None,
                unit=draw(_maybe(st.just("visits"))) if numeric else None,
                text=None if numeric else draw(texts),
                goal_id=draw(_ref(goals)),
            )
        )
    return result


def _screening(draw: Draw, members: list[str]) -> Screening:
    criteria = draw(st.lists(st.sampled_from(c.ScreeningCriterion), unique=True, max_size=3))
    return Screening(
        screened_on=draw(dates),
        screener_id=draw(_ref(members)),
        acuity=draw(st.sampled_from(c.Acuity)),
        criteria=tuple(
            CriterionResult(
                criterion=x, count=draw(_maybe(st.integers(0, 20))), evidence=draw(_maybe(texts))
            )
            for x in criteria
        ),
    )


@st.composite
def cases(draw: Draw, *, max_items: int = 2, status: c.CaseStatus | None = None) -> Case:
    """A valid case; lists hold at most ``max_items`` records. ``status`` fixes the case status."""
    status = status if status is not None else draw(st.sampled_from(c.CaseStatus))
    ended = status in (c.CaseStatus.CLOSED, c.CaseStatus.CANCELLED)
    opened = draw(dates)
    members = _members(draw, max_items)
    member_ids = [m.id for m in members]
    assessments = _assessments(draw, max_items, member_ids)
    needs = _needs(draw, max_items, [a.id for a in assessments])
    plan = None
    if draw(st.booleans()):
        need_ids = [n.id for n in needs]
        plan = _plan(draw, ended=ended, needs=need_ids, members=member_ids, max_items=max_items)
    goal_ids = [g.id for g in plan.goals] if plan else []
    tasks = _tasks(draw, max_items, ended=ended, goals=goal_ids, members=member_ids)
    reason = None
    if status is c.CaseStatus.CLOSED:
        reason = draw(st.sampled_from(c.ClosureReason))
    elif status is c.CaseStatus.CANCELLED:
        reason = draw(_maybe(st.sampled_from(c.ClosureReason)))
    coverages = [
        Coverage(
            id=cid,
            kind=draw(st.sampled_from(c.CoverageKind)),
            payer=draw(texts),
            member_id=draw(_maybe(ids)),
        )
        for cid in _unique_ids(draw, max_items)
    ]
    return Case(
        id=draw(ids),
        program=draw(st.sampled_from(c.ProgramType)),
        status=status,
        client=draw(clients(max_items)),
        referral=Referral(
            id=draw(ids),
            source_type=draw(st.sampled_from(c.ReferralSourceType)),
            source_name=draw(_maybe(texts)),
            received_on=draw(dates),
            reason=draw(texts),
        ),
        screening=draw(_maybe(st.just(_screening(draw, member_ids)))),
        consents=tuple(
            _consents(
                draw,
                max_items,
                engaged=status in (c.CaseStatus.ACTIVE, c.CaseStatus.ON_HOLD),
                opened=opened,
            )
        ),
        case_manager_id=draw(_ref(member_ids)),
        care_team=tuple(members),
        coverages=tuple(coverages),
        opened_on=opened,
        closed_on=_after(draw, opened) if ended else None,
        closure_reason=reason,
        closure_note=draw(_maybe(texts)) if ended else None,
        assessments=tuple(assessments),
        needs=tuple(needs),
        plan=plan,
        tasks=tuple(tasks),
        notes=tuple(
            _notes(draw, max_items, members=member_ids, goals=goal_ids, tasks=[t.id for t in tasks])
        ),
        outcomes=tuple(_outcomes(draw, max_items, goal_ids)),
    )

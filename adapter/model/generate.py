"""Deterministic synthetic cases for benchmarks and demos (invented people, no real data).

The same ``seed`` and ``count`` always give the same cases, so benchmark runs compare like
with like. Every case is built from the model classes, so it is valid by construction.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from adapter.model import codes as c
from adapter.model.assessment import Assessment, Finding
from adapter.model.care_team import CareTeamMember
from adapter.model.case import Case
from adapter.model.client import Client, ClientIdentifier, PersonName
from adapter.model.consent import Consent
from adapter.model.goal import Goal, GoalTarget
from adapter.model.need import Need
from adapter.model.note import MonitoringNote
from adapter.model.outcome import OutcomeMeasurement
from adapter.model.plan import PlanOfCare
from adapter.model.referral import Referral
from adapter.model.screening import CriterionResult, Screening
from adapter.model.task import Task

__all__ = ["generate_case", "generate_cases"]

_GIVEN = ("Amara", "Ben", "Carmen", "Dmitri", "Elif", "Farah", "Gustavo", "Hana", "Ivo", "June")
_FAMILY = ("Adler", "Baptiste", "Castillo", "Duarte", "Eriksen", "Fontaine", "Gupta", "Horvat")
_STATUS_WEIGHTS = {
    c.CaseStatus.REFERRED: 1,
    c.CaseStatus.SCREENING: 1,
    c.CaseStatus.ACTIVE: 5,
    c.CaseStatus.ON_HOLD: 1,
    c.CaseStatus.CLOSED: 2,
    c.CaseStatus.CANCELLED: 1,
}
_GOALS = (
    ("No ED visits for 90 days", c.GoalCategory.CLINICAL, "ED visits", "0"),
    ("Take medicines as prescribed", c.GoalCategory.SELF_MANAGEMENT, "Missed doses per week", "1"),
    ("Walk 20 minutes a day", c.GoalCategory.FUNCTIONAL, "Minutes walked per day", "20"),
    ("Attend every follow-up visit", c.GoalCategory.SELF_MANAGEMENT, "Visits attended", "4"),
)
_TASKS = (
    (c.InterventionType.FOLLOW_UP, "Follow-up call"),
    (c.InterventionType.EDUCATION, "Self-management teaching"),
    (c.InterventionType.REFERRAL, "Refer to community service"),
    (c.InterventionType.BENEFITS_CHECK, "Check benefits"),
)
_ENDED = (c.CaseStatus.CLOSED, c.CaseStatus.CANCELLED)
_WORKING = (c.CaseStatus.ACTIVE, c.CaseStatus.ON_HOLD, c.CaseStatus.CLOSED)


def generate_cases(count: int, *, seed: int = 0, prefix: str = "GEN") -> Iterator[Case]:
    """``count`` cases with ids ``<prefix>-000001`` onwards, the same for the same seed."""
    rng = random.Random(seed)  # noqa: S311  (reproducible synthetic data, not security)
    for index in range(1, count + 1):
        yield generate_case(rng, f"{prefix}-{index:06d}")


def generate_case(rng: random.Random, case_id: str) -> Case:
    """One valid case drawn from ``rng`` (the status decides how far the process got)."""
    status = rng.choices(list(_STATUS_WEIGHTS), weights=list(_STATUS_WEIGHTS.values()))[0]
    opened = date(2023, 1, 1) + timedelta(days=rng.randrange(700))
    closed_on = opened + timedelta(days=rng.randrange(30, 200)) if status in _ENDED else None
    team = _team(rng)
    working = status in _WORKING
    plan = _plan(rng, opened, ended=status in _ENDED) if working else None
    goal_ids = [g.id for g in plan.goals] if plan else []
    return Case(
        id=case_id,
        program=rng.choice(list(c.ProgramType)),
        status=status,
        client=_client(rng, case_id),
        referral=Referral(
            id="REF-1",
            source_type=rng.choice(list(c.ReferralSourceType)),
            received_on=opened - timedelta(days=rng.randrange(1, 8)),
            reason="Frequent hospital use with several chronic conditions",
        ),
        screening=None if status is c.CaseStatus.REFERRED else _screening(rng, opened),
        consents=(_consent(status, opened),),
        case_manager_id="CT-1",
        care_team=team,
        opened_on=opened,
        closed_on=closed_on,
        closure_reason=rng.choice(list(c.ClosureReason)) if status in _ENDED else None,
        assessments=_assessments(opened) if working else (),
        needs=_needs(opened) if working else (),
        plan=plan,
        tasks=_tasks(rng, opened, goal_ids, ended=status in _ENDED) if working else (),
        notes=_notes(rng, opened) if working else (),
        outcomes=_outcomes(rng, closed_on) if status is c.CaseStatus.CLOSED else (),
    )


def _client(rng: random.Random, case_id: str) -> Client:
    # The client id names the FHIR Patient, which is shared by every case of that client:
    # one client per case, or all generated cases would write to the same Patient.
    return Client(
        id=f"CL-{case_id}",
        identifiers=(
            ClientIdentifier(kind=c.IdentifierKind.MRN, value=f"MRN-{rng.randrange(10**7):07d}"),
        ),
        name=PersonName(family=rng.choice(_FAMILY), given=(rng.choice(_GIVEN),)),
        birth_date=date(1935, 1, 1) + timedelta(days=rng.randrange(25_000)),
        gender=rng.choice((c.Gender.FEMALE, c.Gender.MALE)),
        language=rng.choice(("en", "es", "vi")),
    )


def _team(rng: random.Random) -> tuple[CareTeamMember, ...]:
    return (
        CareTeamMember(
            id="CT-1",
            kind=c.MemberKind.PROFESSIONAL,
            name=f"{rng.choice(_GIVEN)} {rng.choice(_FAMILY)}, RN",
            role=c.CareTeamRole.CASE_MANAGER,
        ),
        CareTeamMember(
            id="CT-2",
            kind=c.MemberKind.ORGANIZATION,
            name="Community Meals Service",
            role=c.CareTeamRole.SERVICE_PROVIDER,
        ),
    )


def _screening(rng: random.Random, opened: date) -> Screening:
    criteria = rng.sample(list(c.ScreeningCriterion), k=rng.randrange(1, 4))
    return Screening(
        screened_on=opened,
        screener_id="CT-1",
        acuity=rng.choice(list(c.Acuity)),
        criteria=tuple(CriterionResult(criterion=criterion) for criterion in criteria),
    )


def _consent(status: c.CaseStatus, opened: date) -> Consent:
    state = {
        c.CaseStatus.REFERRED: c.ConsentStatus.PENDING,
        c.CaseStatus.SCREENING: c.ConsentStatus.PENDING,
        c.CaseStatus.CANCELLED: c.ConsentStatus.DECLINED,
    }.get(status, c.ConsentStatus.GRANTED)
    return Consent(id="CON-1", scope=c.ConsentScope.PARTICIPATION, status=state, recorded_on=opened)


def _assessments(opened: date) -> tuple[Assessment, ...]:
    domain = c.AssessmentDomain.MEDICAL
    return (
        Assessment(
            id="AS-1",
            kind=c.AssessmentKind.INITIAL,
            status=c.AssessmentStatus.COMPLETED,
            performed_on=opened,
            assessor_id="CT-1",
            domains=(domain,),
            findings=(
                Finding(domain=domain, text="Several chronic conditions, poorly controlled"),
            ),
        ),
    )


def _needs(opened: date) -> tuple[Need, ...]:
    return (
        Need(
            id="N-1",
            kind=c.NeedKind.PROBLEM,
            domain=c.AssessmentDomain.MEDICAL,
            description="Chronic conditions not controlled",
            status=c.NeedStatus.ACTIVE,
            identified_on=opened,
            assessment_id="AS-1",
        ),
    )


def _plan(rng: random.Random, opened: date, *, ended: bool) -> PlanOfCare:
    goals = []
    for number, (text, category, measure, value) in enumerate(
        rng.sample(_GOALS, k=rng.randrange(1, 4)), 1
    ):
        lifecycle = (
            c.GoalLifecycle.COMPLETED
            if ended
            else rng.choice((c.GoalLifecycle.ACTIVE, c.GoalLifecycle.ACCEPTED))
        )
        goals.append(
            Goal(
                id=f"G-{number}",
                description=text,
                category=category,
                lifecycle=lifecycle,
                achievement=rng.choice((c.GoalAchievement.ACHIEVED, c.GoalAchievement.NOT_ACHIEVED))
                if ended
                else c.GoalAchievement.IN_PROGRESS,
                start_date=opened,
                need_ids=("N-1",),
                target=GoalTarget(
                    measure=measure, value=Decimal(value), due_date=opened + timedelta(days=90)
                ),
            )
        )
    return PlanOfCare(
        id="PLAN-1",
        title="Plan of care",
        created_on=opened,
        author_id="CT-1",
        goals=tuple(goals),
        status=c.PlanStatus.COMPLETED if ended else c.PlanStatus.ACTIVE,
    )


def _tasks(
    rng: random.Random, opened: date, goal_ids: list[str], *, ended: bool
) -> tuple[Task, ...]:
    statuses = (
        (c.TaskStatus.COMPLETED, c.TaskStatus.CANCELLED)
        if ended
        else (c.TaskStatus.REQUESTED, c.TaskStatus.IN_PROGRESS, c.TaskStatus.COMPLETED)
    )
    created = datetime.combine(opened, time(9, 0), tzinfo=UTC)
    tasks = []
    for number, (kind, title) in enumerate(rng.sample(_TASKS, k=rng.randrange(1, 4)), 1):
        tasks.append(
            Task(
                id=f"T-{number}",
                type=kind,
                title=title,
                status=rng.choice(statuses),
                owner_id="CT-2" if kind is c.InterventionType.REFERRAL else "CT-1",
                goal_ids=(rng.choice(goal_ids),),
                created_at=created + timedelta(hours=number),
            )
        )
    return tuple(tasks)


def _notes(rng: random.Random, opened: date) -> tuple[MonitoringNote, ...]:
    at = datetime.combine(opened + timedelta(days=7), time(14, 0), tzinfo=UTC)
    return (
        MonitoringNote(
            id="NOTE-1",
            kind=c.NoteKind.CONTACT,
            recorded_at=at,
            author_id="CT-1",
            mode=c.ContactMode.PHONE,
            reached=rng.random() < 0.8,
            text="Weekly check-in call.",
        ),
    )


def _outcomes(rng: random.Random, on: date | None) -> tuple[OutcomeMeasurement, ...]:
    measured = on or date(2024, 1, 1)
    return (
        OutcomeMeasurement(
            id="OUT-1",
            domain=c.OutcomeDomain.FINANCIAL,
            measure="ED visits in 90 days",
            measured_on=measured,
            value=Decimal(rng.randrange(4)),
            unit="visits",
        ),
    )

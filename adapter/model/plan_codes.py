"""The coded vocabularies of the plan of care and its work: plan and goal states, interventions
and tasks, financial results, notes and contacts, outcome domains (as ``StrEnum``; the local
codes the mappings translate to FHIR). Re-exported by :mod:`adapter.model.codes`.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "CaseLinkRelation",
    "Comparator",
    "ContactMode",
    "FinancialAmount",
    "GoalAchievement",
    "GoalCategory",
    "GoalLifecycle",
    "GoalPriority",
    "InterventionType",
    "NoteKind",
    "OutcomeDomain",
    "PlanStatus",
    "PracticeSetting",
    "TaskPriority",
    "TaskStatus",
]


class PlanStatus(StrEnum):
    """State of the plan of care."""

    DRAFT = "draft"
    ACTIVE = "active"
    ON_HOLD = "on-hold"
    COMPLETED = "completed"
    REVOKED = "revoked"


class GoalCategory(StrEnum):
    """What area of the client's life a goal is about."""

    CLINICAL = "clinical"
    FUNCTIONAL = "functional"
    BEHAVIORAL = "behavioral"
    PSYCHOSOCIAL = "psychosocial"
    FINANCIAL = "financial"
    SOCIAL = "social"
    SELF_MANAGEMENT = "self-management"
    SAFETY = "safety"


class GoalPriority(StrEnum):
    """Priority of a goal as agreed with the client."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class GoalLifecycle(StrEnum):
    """Workflow state of a goal."""

    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    ACTIVE = "active"
    ON_HOLD = "on-hold"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class GoalAchievement(StrEnum):
    """How far a goal has been reached (three groups: in progress, achieved, not achieved)."""

    IN_PROGRESS = "in-progress"
    IMPROVING = "improving"
    WORSENING = "worsening"
    NO_CHANGE = "no-change"
    ACHIEVED = "achieved"
    SUSTAINING = "sustaining"
    NOT_ACHIEVED = "not-achieved"
    NO_PROGRESS = "no-progress"
    NOT_ATTAINABLE = "not-attainable"


class Comparator(StrEnum):
    """How a measured value is compared with a goal's target value."""

    LT = "lt"
    LE = "le"
    EQ = "eq"
    GE = "ge"
    GT = "gt"


class InterventionType(StrEnum):
    """Kind of intervention or coordination task: the functions of a case manager in each
    practice setting (:mod:`adapter.model.practice` says which setting does which)."""

    REFERRAL = "referral"
    SERVICE_ARRANGEMENT = "service-arrangement"
    BENEFITS_CHECK = "benefits-check"
    EDUCATION = "education"
    FOLLOW_UP = "follow-up"
    TRANSITION = "transition"
    OUTREACH = "outreach"
    RATE_NEGOTIATION = "rate-negotiation"
    COVERAGE_EXCEPTION = "coverage-exception"
    COMMUNITY_SERVICES = "community-services"
    CLAIMS_COORDINATION = "claims-coordination"
    COVERAGE_VERIFICATION = "coverage-verification"
    DISCHARGE_COORDINATION = "discharge-coordination"
    PROVIDER_COORDINATION = "provider-coordination"
    ABSENCE_VERIFICATION = "absence-verification"
    RETURN_TO_WORK = "return-to-work"
    CHRONIC_ILLNESS_SUPPORT = "chronic-illness-support"
    WELLNESS_PROGRAM = "wellness-program"
    SPECIALIZED_TREATMENT = "specialized-treatment"
    ADVOCACY = "advocacy"
    CARE_COORDINATION = "care-coordination"
    UTILIZATION_MANAGEMENT = "utilization-management"
    OUTCOMES_MANAGEMENT = "outcomes-management"
    PSYCHOSOCIAL_MANAGEMENT = "psychosocial-management"
    PRACTICE_DEVELOPMENT = "practice-development"


class TaskStatus(StrEnum):
    """State of a task; ``rejected`` is an owner declining it before any work."""

    DRAFT = "draft"
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    IN_PROGRESS = "in-progress"
    ON_HOLD = "on-hold"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    FAILED = "failed"


class PracticeSetting(StrEnum):
    """Where the case manager works: a payer (health insurer, HMO), a provider, an employer or
    a hospital; each setting has its own functions (:mod:`adapter.model.practice`)."""

    PAYER = "payer"
    PROVIDER = "provider"
    EMPLOYER = "employer"
    HOSPITAL = "hospital"


class CaseLinkRelation(StrEnum):
    """How an earlier case of the same client relates to this one."""

    TRANSFERRED_FROM = "transferred-from"
    REOPENED_FROM = "reopened-from"
    FOLLOWS = "follows"


class FinancialAmount(StrEnum):
    """The amounts of a rate negotiation or a coverage exception."""

    BILLED = "billed"
    NEGOTIATED = "negotiated"
    SAVINGS = "savings"


class TaskPriority(StrEnum):
    """Urgency of a task."""

    ROUTINE = "routine"
    URGENT = "urgent"
    ASAP = "asap"


class NoteKind(StrEnum):
    """Kind of monitoring note."""

    CONTACT = "contact"
    OUTREACH_ATTEMPT = "outreach-attempt"
    CASE_REVIEW = "case-review"
    PROGRESS_NOTE = "progress-note"


class ContactMode(StrEnum):
    """How the case manager was in contact (or tried to be)."""

    PHONE = "phone"
    IN_PERSON = "in-person"
    VIDEO = "video"
    MESSAGE = "message"
    LETTER = "letter"


class OutcomeDomain(StrEnum):
    """The seven outcome domains of CMSA Standard O."""

    CLINICAL = "clinical"
    FINANCIAL = "financial"
    QUALITY_OF_LIFE = "quality-of-life"
    SATISFACTION = "satisfaction"
    PHYSICAL_FUNCTION = "physical-function"
    PSYCHOSOCIAL = "psychosocial"
    ENGAGEMENT = "engagement"

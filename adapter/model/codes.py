"""Every coded vocabulary of the internal model, as ``StrEnum``.

The enum values are the local codes (lowercase-kebab): they are what integrators send, what
the JSON Schema lists and what the mappings translate to FHIR codes. Closure reasons,
screening criteria and outcome domains follow the CMSA Standards of Practice.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "Acuity",
    "AssessmentDomain",
    "AssessmentKind",
    "AssessmentStatus",
    "CareTeamRole",
    "CaseLinkRelation",
    "CaseStatus",
    "ClosureReason",
    "Comparator",
    "ConsentScope",
    "ConsentStatus",
    "ContactMode",
    "CoverageKind",
    "FinancialAmount",
    "Gender",
    "GoalAchievement",
    "GoalCategory",
    "GoalLifecycle",
    "GoalPriority",
    "IdentifierKind",
    "InterventionType",
    "MemberKind",
    "NeedKind",
    "NeedStatus",
    "NoteKind",
    "OutcomeDomain",
    "PlanStatus",
    "PracticeSetting",
    "PreferenceKind",
    "ProgramType",
    "ReferralSourceType",
    "ScreeningCriterion",
    "TaskPriority",
    "TaskStatus",
]


class ProgramType(StrEnum):
    """The case-management program a case is enrolled in."""

    COMPLEX_CARE = "complex-care"
    TRANSITIONAL_CARE = "transitional-care"
    CATASTROPHIC_CLAIM = "catastrophic-claim"
    MATERNITY = "maternity"
    BEHAVIORAL_HEALTH = "behavioral-health"
    WORKERS_COMPENSATION = "workers-compensation"
    DISABILITY = "disability"
    OCCUPATIONAL_HEALTH = "occupational-health"


class ReferralSourceType(StrEnum):
    """Who referred the client into case management."""

    PHYSICIAN = "physician"
    HOSPITAL = "hospital"
    INSURER = "insurer"
    EMPLOYER = "employer"
    SELF = "self"
    FAMILY = "family"


class ScreeningCriterion(StrEnum):
    """CMSA client-selection criteria."""

    HIGH_ED_UTILIZATION = "high-ed-utilization"
    HIGH_OUTPATIENT_UTILIZATION = "high-outpatient-utilization"
    AVOIDABLE_ADMISSIONS = "avoidable-admissions"
    COMPLEX_HEALTH_NEEDS = "complex-health-needs"
    MULTIPLE_CHRONIC_CONDITIONS = "multiple-chronic-conditions"
    ACCESS_BARRIERS = "access-barriers"
    DD_WITH_CHRONIC_ILLNESS = "dd-with-chronic-illness"
    MENTAL_ILLNESS_HISTORY = "mental-illness-history"
    SUBSTANCE_USE_HISTORY = "substance-use-history"
    SUICIDE_RISK = "suicide-risk"
    CRISIS_HISTORY = "crisis-history"
    IMPAIRED_FUNCTIONAL_STATUS = "impaired-functional-status"
    COGNITIVE_DEFICIT = "cognitive-deficit"


class Acuity(StrEnum):
    """Acuity (risk tier) decided at screening."""

    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"


class CaseStatus(StrEnum):
    """Lifecycle of a case, from referral to closure."""

    REFERRED = "referred"
    SCREENING = "screening"
    ACTIVE = "active"
    ON_HOLD = "on-hold"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class ClosureReason(StrEnum):
    """Why a case was closed: the seven CMSA reasons plus transfer."""

    GOALS_ACHIEVED = "goals-achieved"
    SELF_MANAGING = "self-managing"
    CONFLICT_OF_INTEREST = "conflict-of-interest"
    COVERAGE_CHANGE = "coverage-change"
    DECEASED = "deceased"
    CLIENT_DECLINED = "client-declined"
    UNABLE_TO_ENGAGE = "unable-to-engage"
    TRANSFERRED = "transferred"


class ConsentScope(StrEnum):
    """What the client consented to: taking part in case management, or sharing information."""

    PARTICIPATION = "participation"
    INFORMATION_SHARING = "information-sharing"


class ConsentStatus(StrEnum):
    """State of a consent."""

    PENDING = "pending"
    GRANTED = "granted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class Gender(StrEnum):
    """Administrative gender."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class IdentifierKind(StrEnum):
    """Kind of a client identifier."""

    MRN = "mrn"
    MEMBER_ID = "member-id"
    OTHER = "other"


class PreferenceKind(StrEnum):
    """A client preference about the care experience, or about treatments and interventions."""

    CARE_EXPERIENCE = "care-experience"
    TREATMENT = "treatment"


class MemberKind(StrEnum):
    """Whether a care team member is a professional, an informal caregiver or an organization."""

    PROFESSIONAL = "professional"
    CAREGIVER = "caregiver"
    ORGANIZATION = "organization"


class CareTeamRole(StrEnum):
    """Role of a member in the client's care team."""

    CASE_MANAGER = "case-manager"
    PHYSICIAN = "physician"
    NURSE = "nurse"
    SOCIAL_WORKER = "social-worker"
    PHARMACIST = "pharmacist"
    THERAPIST = "therapist"
    BEHAVIORAL_HEALTH = "behavioral-health"
    COMMUNITY_HEALTH_WORKER = "community-health-worker"
    PAYER_REPRESENTATIVE = "payer-representative"
    CAREGIVER = "caregiver"
    SERVICE_PROVIDER = "service-provider"
    EMPLOYER_CONTACT = "employer-contact"
    DIETITIAN = "dietitian"
    GUARDIAN = "guardian"
    LEGAL_REPRESENTATIVE = "legal-representative"
    FAMILY_CAREGIVER = "family-caregiver"
    CLAIMS_ADJUSTER = "claims-adjuster"
    VOCATIONAL_COUNSELOR = "vocational-counselor"


class CoverageKind(StrEnum):
    """Kind of payer coverage."""

    COMMERCIAL = "commercial"
    MEDICARE = "medicare"
    MEDICAID = "medicaid"
    WORKERS_COMPENSATION = "workers-compensation"
    OTHER = "other"


class AssessmentDomain(StrEnum):
    """Domains of the holistic assessment."""

    MEDICAL = "medical"
    FUNCTIONAL = "functional"
    PSYCHOSOCIAL = "psychosocial"
    FINANCIAL = "financial"
    CAREGIVER_SUPPORT = "caregiver-support"
    SOCIAL_DETERMINANTS = "social-determinants"


class AssessmentKind(StrEnum):
    """First assessment of a case, or a later re-assessment."""

    INITIAL = "initial"
    REASSESSMENT = "reassessment"


class AssessmentStatus(StrEnum):
    """State of an assessment."""

    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    AMENDED = "amended"


class NeedKind(StrEnum):
    """An identified problem (clinical) or a broader need or concern."""

    PROBLEM = "problem"
    NEED = "need"


class NeedStatus(StrEnum):
    """Whether a need is still being addressed."""

    ACTIVE = "active"
    INACTIVE = "inactive"
    RESOLVED = "resolved"


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

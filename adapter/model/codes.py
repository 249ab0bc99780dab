"""Every coded vocabulary of the internal model, as ``StrEnum``.

The enum values are the local codes (lowercase-kebab): they are what integrators send, what
the JSON Schema lists and what the mappings translate to FHIR codes. Closure reasons,
screening criteria and outcome domains follow the CMSA Standards of Practice.
"""

from __future__ import annotations

from enum import StrEnum

from adapter.model.plan_codes import (
    CaseLinkRelation,
    Comparator,
    ContactMode,
    FinancialAmount,
    GoalAchievement,
    GoalCategory,
    GoalLifecycle,
    GoalPriority,
    InterventionType,
    NoteKind,
    OutcomeDomain,
    PlanStatus,
    PracticeSetting,
    TaskPriority,
    TaskStatus,
)

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

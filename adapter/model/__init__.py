"""The internal case-management model (CMSA process), with no knowledge of FHIR.

:class:`Case` is the aggregate root; :func:`parse_case` / :func:`parse_cases` turn untrusted
input into cases with errors naming record and field; :mod:`adapter.model.transitions` holds
the status transition tables.
"""

from __future__ import annotations

from adapter.model.assessment import Assessment, CodedAnswer, Finding, InstrumentScore
from adapter.model.base import Period
from adapter.model.care_team import CareTeamMember
from adapter.model.case import Case
from adapter.model.case_link import CaseLink
from adapter.model.client import (
    Address,
    Client,
    ClientIdentifier,
    ContactInfo,
    PersonName,
    Preference,
)
from adapter.model.consent import Consent
from adapter.model.coverage import Coverage
from adapter.model.goal import Goal, GoalProgress, GoalTarget
from adapter.model.need import Need
from adapter.model.note import MonitoringNote
from adapter.model.outcome import OutcomeMeasurement
from adapter.model.plan import PlanOfCare, PlanRevision
from adapter.model.referral import Referral
from adapter.model.screening import CriterionResult, Screening
from adapter.model.task import FinancialResult, OwnerAssignment, Task
from adapter.model.validation import case_problems, parse_case, parse_cases

__all__ = [
    "Address",
    "Assessment",
    "CareTeamMember",
    "Case",
    "CaseLink",
    "Client",
    "ClientIdentifier",
    "CodedAnswer",
    "Consent",
    "ContactInfo",
    "Coverage",
    "CriterionResult",
    "FinancialResult",
    "Finding",
    "Goal",
    "GoalProgress",
    "GoalTarget",
    "InstrumentScore",
    "MonitoringNote",
    "Need",
    "OutcomeMeasurement",
    "OwnerAssignment",
    "Period",
    "PersonName",
    "PlanOfCare",
    "PlanRevision",
    "Preference",
    "Referral",
    "Screening",
    "Task",
    "case_problems",
    "parse_case",
    "parse_cases",
]

"""The case: the aggregate root holding everything known about one client's case management."""

from __future__ import annotations

from datetime import date

from pydantic import Field, model_validator

from adapter.model.assessment import Assessment
from adapter.model.base import FieldRuleError, Id, Record, ShortText, process_rule, require_order
from adapter.model.care_team import CareTeamMember
from adapter.model.case_link import CaseLink
from adapter.model.client import Client
from adapter.model.codes import (
    CaseStatus,
    ClosureReason,
    ConsentScope,
    ConsentStatus,
    PlanStatus,
    PracticeSetting,
    ProgramType,
)
from adapter.model.consent import Consent
from adapter.model.coverage import Coverage
from adapter.model.need import Need
from adapter.model.note import MonitoringNote
from adapter.model.origin import CaseOrigin
from adapter.model.outcome import OutcomeMeasurement
from adapter.model.plan import PlanOfCare
from adapter.model.references import check_references
from adapter.model.referral import Referral
from adapter.model.screening import Screening
from adapter.model.task import OPEN_TASK_STATUSES, Task

__all__ = ["ENDED_CASE_STATUSES", "Case"]

ENDED_CASE_STATUSES = frozenset({CaseStatus.CLOSED, CaseStatus.CANCELLED})
"""Case states after which no new work may be added."""

_ENGAGED = frozenset({CaseStatus.ACTIVE, CaseStatus.ON_HOLD})
_ENDED_PLAN = frozenset({PlanStatus.COMPLETED, PlanStatus.REVOKED})


class Case(Record):
    """One client's enrolment in a case-management program, from referral to closure.

    ``setting`` is where the case manager works (payer, provider, employer, hospital);
    ``related_cases`` link earlier cases of the same client (a transfer, a re-opening).
    ``id`` is the case number, unique across the source system; every record inside has an id
    unique among the records of its kind in this case. ``case_manager_id`` and every other
    ``*_id`` field name a record of this case (a care team member, a need, a goal, a task).
    A closed case has ``closed_on`` and a ``closure_reason``; a cancelled one has ``closed_on``
    and may have a reason. ``origin``: set on a case imported from another system's server.
    """

    id: Id
    program: ProgramType
    setting: PracticeSetting | None = None
    status: CaseStatus
    client: Client
    referral: Referral
    screening: Screening | None = None
    consents: tuple[Consent, ...] = Field(default=(), max_length=50)
    case_manager_id: Id | None = None
    care_team: tuple[CareTeamMember, ...] = Field(default=(), max_length=100)
    coverages: tuple[Coverage, ...] = Field(default=(), max_length=20)
    opened_on: date
    closed_on: date | None = None
    closure_reason: ClosureReason | None = None
    closure_note: ShortText | None = None
    assessments: tuple[Assessment, ...] = Field(default=(), max_length=200)
    needs: tuple[Need, ...] = Field(default=(), max_length=200)
    plan: PlanOfCare | None = None
    tasks: tuple[Task, ...] = Field(default=(), max_length=1000)
    notes: tuple[MonitoringNote, ...] = Field(default=(), max_length=2000)
    outcomes: tuple[OutcomeMeasurement, ...] = Field(default=(), max_length=500)
    related_cases: tuple[CaseLink, ...] = Field(default=(), max_length=20)
    origin: CaseOrigin | None = None  # an imported case: where it was read from

    @property
    def ended(self) -> bool:
        """Whether the case is closed or cancelled."""
        return self.status in ENDED_CASE_STATUSES

    @model_validator(mode="after")
    @process_rule
    def _consistent(self) -> Case:
        self._check_closure()
        self._check_engagement()
        check_references(self)
        return self

    def _check_closure(self) -> None:
        if self.status is CaseStatus.CLOSED and self.closure_reason is None:
            raise FieldRuleError("closure_reason", "a closed case needs a closure reason")
        if not self.ended:
            if self.closure_reason is not None:
                raise FieldRuleError(
                    "closure_reason",
                    f"a {self.status.value} case has no closure reason (only closed or cancelled)",
                )
            if self.closed_on is not None:
                raise FieldRuleError("closed_on", f"a {self.status.value} case has no close date")
            return
        if self.closed_on is None:
            raise FieldRuleError("closed_on", f"a {self.status.value} case needs a close date")
        require_order(self.opened_on, self.closed_on, field="closed_on", what="close date")
        for index, task in enumerate(self.tasks):
            if task.status in OPEN_TASK_STATUSES:
                raise FieldRuleError(
                    f"tasks[{index}].status",
                    f"a {self.status.value} case cannot have a {task.status.value} task; "
                    "complete or cancel it first",
                )
        if self.plan is not None and self.plan.status not in _ENDED_PLAN:
            raise FieldRuleError(
                "plan.status",
                f"a {self.status.value} case needs a completed or revoked plan, "
                f"not {self.plan.status.value}",
            )

    def _check_engagement(self) -> None:
        if self.status not in _ENGAGED:
            return
        if not any(
            c.scope is ConsentScope.PARTICIPATION and c.status is ConsentStatus.GRANTED
            for c in self.consents
        ):
            raise FieldRuleError(
                "consents",
                f"an {self.status.value} case needs the client's granted participation consent",
            )

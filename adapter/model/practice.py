"""The functions of a case manager in each practice setting, and the intervention type of each.

The wording is that of the source documents on case management in the US health care system
(health insurer and HMO, health care provider, employer, hospital); every function has an
intervention type (``Task.code``). A function shared by settings (education, follow-up) has one
type. The table is the single source for the ``setting`` property of the ``intervention-type``
CodeSystem, the per-setting ValueSets in ``profiles/`` and docs/input-format.md.
"""

from __future__ import annotations

from typing import Final

from adapter.model.codes import InterventionType as T
from adapter.model.codes import PracticeSetting as S

__all__ = ["SETTING_FUNCTIONS", "settings_of"]

SETTING_FUNCTIONS: Final[dict[S, tuple[tuple[str, T], ...]]] = {
    S.PAYER: (
        ("Check benefits available", T.BENEFITS_CHECK),
        (
            "Negotiate rates with providers who are not part of the plan's network",
            T.RATE_NEGOTIATION,
        ),
        ("Recommend coverage exceptions where appropriate", T.COVERAGE_EXCEPTION),
        ("Coordinate referrals to specialists", T.REFERRAL),
        ("Arrange for special services", T.SERVICE_ARRANGEMENT),
        ("Coordinate insured services with any available community services", T.COMMUNITY_SERVICES),
        ("Coordinate claims with other benefit plans", T.CLAIMS_COORDINATION),
    ),
    S.PROVIDER: (
        ("Verify coverage and benefits with the health insurers", T.COVERAGE_VERIFICATION),
        (
            "Coordinate the services associated with discharge or return home",
            T.DISCHARGE_COORDINATION,
        ),
        ("Provide patient education", T.EDUCATION),
        ("Provide post-care follow-up", T.FOLLOW_UP),
        ("Coordinate services with other health care providers", T.PROVIDER_COORDINATION),
    ),
    S.EMPLOYER: (
        ("Verify medical reasons for employee absences", T.ABSENCE_VERIFICATION),
        ("Follow up after absences from work due to poor health", T.RETURN_TO_WORK),
        ("Provide health education", T.EDUCATION),
        ("Assist employees with chronic illnesses", T.CHRONIC_ILLNESS_SUPPORT),
        ("Provide on-site wellness programs", T.WELLNESS_PROGRAM),
        ("Assist employees to seek specialized treatment", T.SPECIALIZED_TREATMENT),
    ),
    S.HOSPITAL: (
        ("Advocacy and education", T.ADVOCACY),
        ("Clinical care coordination and facilitation", T.CARE_COORDINATION),
        ("Continuity and transition management", T.TRANSITION),
        ("Utilization and financial management", T.UTILIZATION_MANAGEMENT),
        ("Performance and outcomes management", T.OUTCOMES_MANAGEMENT),
        ("Psychosocial management", T.PSYCHOSOCIAL_MANAGEMENT),
        ("Research and practice development", T.PRACTICE_DEVELOPMENT),
    ),
}


def settings_of(kind: T) -> tuple[S, ...]:
    """The settings whose functions include intervention type ``kind`` (none: outreach)."""
    return tuple(
        s for s, functions in SETTING_FUNCTIONS.items() if any(t is kind for _, t in functions)
    )

"""Hypothesis strategies that generate VALID internal cases.

``cases()`` is shared: the model tests and the mapping round-trip property test draw from it.
Cases are small by default (``max_items`` per list) so that a property test stays fast.
"""

from __future__ import annotations

from hypothesis import strategies as st

from adapter.model import Case, CaseLink, Coverage, Referral
from adapter.model import codes as c
from tests.strategies.basics import (
    Draw,
    after,
    amounts,
    dates,
    ids,
    instants,
    maybe,
    ref,
    texts,
    unique_ids,
)
from tests.strategies.people import clients, draw_consents, draw_members, draw_screening
from tests.strategies.records import (
    draw_assessments,
    draw_needs,
    draw_notes,
    draw_outcomes,
    draw_plan,
    draw_tasks,
)

__all__ = ["amounts", "cases", "clients", "ids", "instants", "texts"]


@st.composite
def cases(draw: Draw, *, max_items: int = 2, status: c.CaseStatus | None = None) -> Case:
    """A valid case; lists hold at most ``max_items`` records. ``status`` fixes the case status."""
    status = status if status is not None else draw(st.sampled_from(c.CaseStatus))
    ended = status in (c.CaseStatus.CLOSED, c.CaseStatus.CANCELLED)
    engaged = status in (c.CaseStatus.ACTIVE, c.CaseStatus.ON_HOLD)
    opened = draw(dates)
    members = draw_members(draw, max_items)
    member_ids = [m.id for m in members]
    assessments = draw_assessments(draw, max_items, member_ids)
    needs = draw_needs(draw, max_items, [a.id for a in assessments])
    plan = None
    if draw(st.booleans()):
        need_ids = [n.id for n in needs]
        plan = draw_plan(draw, ended=ended, needs=need_ids, members=member_ids, max_items=max_items)
    goal_ids = [g.id for g in plan.goals] if plan else []
    tasks = draw_tasks(draw, max_items, ended=ended, goals=goal_ids, members=member_ids)
    reason = None
    if status is c.CaseStatus.CLOSED:
        reason = draw(st.sampled_from(c.ClosureReason))
    elif status is c.CaseStatus.CANCELLED:
        reason = draw(maybe(st.sampled_from(c.ClosureReason)))
    coverages = [
        Coverage(
            id=cid,
            kind=draw(st.sampled_from(c.CoverageKind)),
            payer=draw(texts),
            member_id=draw(maybe(ids)),
        )
        for cid in unique_ids(draw, max_items)
    ]
    case_id = draw(ids)
    return Case(
        id=case_id,
        program=draw(st.sampled_from(c.ProgramType)),
        setting=draw(maybe(st.sampled_from(c.PracticeSetting))),
        status=status,
        client=draw(clients(max_items)),
        referral=Referral(
            id=draw(ids),
            source_type=draw(st.sampled_from(c.ReferralSourceType)),
            source_name=draw(maybe(texts)),
            received_on=draw(dates),
            reason=draw(texts),
        ),
        screening=draw(maybe(st.just(draw_screening(draw, member_ids)))),
        consents=tuple(
            draw_consents(draw, max_items, engaged=engaged, opened=opened, members=member_ids)
        ),
        case_manager_id=draw(ref(member_ids)),
        care_team=tuple(members),
        coverages=tuple(coverages),
        opened_on=opened,
        closed_on=after(draw, opened) if ended else None,
        closure_reason=reason,
        closure_note=draw(maybe(texts)) if ended else None,
        assessments=tuple(assessments),
        needs=tuple(needs),
        plan=plan,
        tasks=tuple(tasks),
        notes=tuple(
            draw_notes(
                draw, max_items, members=member_ids, goals=goal_ids, tasks=[t.id for t in tasks]
            )
        ),
        outcomes=tuple(draw_outcomes(draw, max_items, goal_ids)),
        related_cases=tuple(
            CaseLink(case_id=other, relation=draw(st.sampled_from(c.CaseLinkRelation)))
            for other in unique_ids(draw, max_items)
            if other != case_id
        ),
    )
